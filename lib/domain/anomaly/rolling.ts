/**
 * A rolling window of the last `window` values with their mean and sum of squared deviations,
 * updated in O(1) per value (Welford's update, with the sliding form once the ring is full) and
 * recomputed exactly from the values every `window` updates so that rounding cannot drift.
 */
export interface Rolling {
  /** The values; once `window` long it is a ring whose oldest value is at `head`. */
  values: number[];
  /** Index of the oldest value (0 until the ring is full). */
  head: number;
  /** Mean of `values`. */
  mean: number;
  /** Sum of squared deviations from the mean (population variance = m2 / n). */
  m2: number;
  /** Updates since the last exact recomputation. */
  sinceExact: number;
}

/** An empty window. */
export function emptyRolling(): Rolling {
  return { values: [], head: 0, mean: 0, m2: 0, sinceExact: 0 };
}

/** Recomputes mean and m2 exactly (two passes); an all-equal window gets m2 = 0 exactly. */
export function resum(r: Rolling): void {
  const values = r.values;
  const n = values.length;
  r.sinceExact = 0;
  if (n === 0) {
    r.mean = 0;
    r.m2 = 0;
    return;
  }
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (min === max) {
    r.mean = min;
    r.m2 = 0;
    return;
  }
  const mean = sum / n;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    m2 += d * d;
  }
  r.mean = mean;
  r.m2 = m2;
}

/** Puts a window into ring order for capacity `w` (after a change of ANOMALY_WINDOW). */
export function fitWindow(r: Rolling, w: number): void {
  const n = r.values.length;
  const h = r.head;
  if (n === w ? h < w : n < w && h === 0) return;
  const ordered = h > 0 && h < n ? [...r.values.slice(h), ...r.values.slice(0, h)] : r.values;
  r.values = ordered.length > w ? ordered.slice(ordered.length - w) : ordered.slice();
  r.head = 0;
  resum(r);
}

/** Adds `x`, dropping the oldest value once the window holds `w`. */
export function push(r: Rolling, x: number, w: number): void {
  const values = r.values;
  const n = values.length;
  if (n < w) {
    values.push(x);
    const d = x - r.mean;
    r.mean += d / (n + 1);
    r.m2 += d * (x - r.mean);
  } else {
    const y = values[r.head]!;
    values[r.head] = x;
    r.head = r.head + 1 === w ? 0 : r.head + 1;
    if (x !== y) {
      const m0 = r.mean;
      r.mean = m0 + (x - y) / w;
      r.m2 += (x - y) * (x - r.mean + y - m0);
    }
  }
  if (++r.sinceExact >= w) resum(r);
}

// Variance this small relative to the values' scale may be rounding residue: recompute first.
const SUSPECT_VARIANCE = 1e-14;

/** Population standard deviation of the window; 0 when its values are all equal. */
export function stdOf(r: Rolling): number {
  const n = r.values.length;
  if (n === 0) return 0;
  let v = r.m2 / n;
  // Exactly 0 only when every update since an exact recomputation was a no-op: all equal.
  if (v === 0) return 0;
  if (v <= SUSPECT_VARIANCE * (1 + r.mean * r.mean) && r.sinceExact !== 0) {
    resum(r);
    v = r.m2 / n;
  }
  return v > 0 ? Math.sqrt(v) : 0;
}

/** Mean and standard deviation of a window, for tests and diagnostics. */
export function rollingStats(r: Rolling): { n: number; mean: number; std: number } {
  const n = r.values.length;
  return { n, mean: r.mean, std: n === 0 ? 0 : Math.sqrt(Math.max(0, r.m2) / n) };
}
