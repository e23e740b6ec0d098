import { canonicalDecimal, compareDecimal } from './decimal';
import type { Anomaly, Severity, StoredTick } from './types';

/**
 * Anomaly detection over the normalized tick stream, one ticker window at a time. Pure: no I/O,
 * no clock; the anomaly stage (activities/stages.ts) reads every window from the `anomaly:state`
 * hash once per batch, feeds the batch's ticks through {@link detect}, calls {@link detectStale}
 * once with the batch's newest event time, and writes the windows it changed back.
 *
 * Detectors:
 * - `price_jump`: |% move from the previous trade| ≥ the jump threshold (see {@link jumpThresholdFor}).
 * - `return_zscore`: |z| of the trade's log return against the rolling window of log returns.
 * - `volume_spike`: z of the trade's log size against the rolling window of log sizes (upper side).
 * - `crossed_quote`: bid > ask (crossed, `high`) or bid = ask (locked, `medium`), compared exactly.
 * - `stale`: a ticker silent for longer than `staleMs` of event time, once per silent episode.
 *
 * Rolling windows are judged before the new value joins them, so a spike cannot dilute its own
 * z-score. Statistics are rounded to 4 decimals and compared with the threshold as reported.
 */

/** Thresholds that may differ per sector. */
export interface AnomalyThresholds {
  /** |z| of a trade's log return against the window that counts as an anomaly. */
  readonly zThreshold: number;
  /**
   * |% move| from the previous trade that counts as a jump. Unset: the LULD-style price tiers
   * of {@link luldJumpPct}, by the previous trade's price.
   */
  readonly jumpPct?: number | undefined;
  /** Returns needed in the window before return z-scores are trusted. */
  readonly minSamples: number;
  /** z of a trade's log size against the window of log sizes that counts as a volume spike. */
  readonly volumeZThreshold: number;
  /** Sizes needed in the window before volume z-scores are trusted. */
  readonly volumeMinSamples: number;
  /** Event-time silence (ms) after which a ticker is stale; 0 turns stale detection off. */
  readonly staleMs: number;
}

/**
 * Detection parameters: defaults for every sector plus optional per-sector overrides.
 *
 * How a sector's thresholds are found: each field of `sectors[tick.sector]` that is set wins;
 * the rest come from the defaults. For the jump threshold that means: the sector's `jumpPct`,
 * else the global `jumpPct` (ANOMALY_JUMP_PCT), else the LULD tiers ({@link luldJumpPct}). So with
 * no jump threshold configured, equities get the tiers, and a looser sector such as crypto gets
 * its own flat `jumpPct` through its override (the default ANOMALY_SECTOR_OVERRIDES does that).
 */
export interface AnomalyParams extends AnomalyThresholds {
  /** Values (returns, sizes) in each rolling window; the same for every sector. */
  readonly window: number;
  /** Overrides by sector name, as in normalized ticks (e.g. "Crypto"). */
  readonly sectors?: Readonly<Record<string, Partial<AnomalyThresholds>>> | undefined;
}

/**
 * A rolling window of the last `window` values with their mean and sum of squared deviations,
 * updated in O(1) per value (Welford's update, with the sliding form once the ring is full) and
 * recomputed exactly from the values every `window` updates so that rounding cannot drift.
 */
export interface Rolling {
  /** The values; once `window` long it is a ring whose oldest value is at `h`. */
  b: number[];
  /** Index of the oldest value (0 until the ring is full). */
  h: number;
  /** Mean of `b`. */
  m: number;
  /** Sum of squared deviations from the mean of `b` (population variance = m2 / n). */
  m2: number;
  /** Updates since the last exact recomputation. */
  c: number;
}

/**
 * Per-ticker state, small JSON in a Redis hash field (about 2 KB with a 50-value window).
 * {@link parseState} reads it, and also accepts the version-1 shape `{p, id, t, r}` written
 * before rolling sums (converted: its returns become the return window, sizes start empty).
 */
export interface WindowState {
  v: 2;
  /** Last trade price (0 before the first trade) and its stream id. */
  p: number;
  id: string;
  /** Newest event time seen (trade or quote), that event's stream id and price text. */
  t: number;
  e: string;
  x: string;
  /** Sector of the last tick: selects the thresholds for stale detection. */
  g: string;
  /** 1 once the current silent episode has been reported; a newer tick sets it back to 0. */
  s: 0 | 1;
  /** Log returns between consecutive trades. */
  r: Rolling;
  /** Log trade sizes. */
  q: Rolling;
}

/** Maps how far a statistic is past its threshold to a severity. */
export function severityOf(statistic: number, threshold: number): Severity {
  const ratio = Math.abs(statistic) / threshold;
  if (ratio >= 3) return 'critical';
  if (ratio >= 2) return 'high';
  if (ratio >= 1.5) return 'medium';
  return 'low';
}

/**
 * Default jump threshold in %, by reference (previous trade) price, modelled on the US
 * Limit Up-Limit Down bands: 5% above $3.00, 10% from $0.75 to $3.00, 20% below $0.75.
 * (Real LULD uses a 5-minute average reference and other bands for small prices; this is the
 * simplified per-trade form.)
 */
export function luldJumpPct(reference: number): number {
  if (reference > 3) return 5;
  if (reference >= 0.75) return 10;
  return 20;
}

/** The jump threshold (%) for a trade after one at `reference`, given the resolved thresholds. */
export function jumpThresholdFor(t: AnomalyThresholds, reference: number): number {
  return t.jumpPct ?? luldJumpPct(reference);
}

interface Compiled {
  readonly base: AnomalyThresholds;
  readonly bySector: ReadonlyMap<string, AnomalyThresholds>;
}

// Resolved once per params object, so a tick costs two map look-ups and no allocation.
const compiledParams = new WeakMap<AnomalyParams, Compiled>();

function compile(params: AnomalyParams): Compiled {
  let c = compiledParams.get(params);
  if (c) return c;
  const base: AnomalyThresholds = {
    zThreshold: params.zThreshold,
    jumpPct: params.jumpPct,
    minSamples: params.minSamples,
    volumeZThreshold: params.volumeZThreshold,
    volumeMinSamples: params.volumeMinSamples,
    staleMs: params.staleMs,
  };
  const bySector = new Map<string, AnomalyThresholds>();
  for (const [sector, o] of Object.entries(params.sectors ?? {})) {
    bySector.set(sector, {
      zThreshold: o.zThreshold ?? base.zThreshold,
      jumpPct: o.jumpPct ?? base.jumpPct,
      minSamples: o.minSamples ?? base.minSamples,
      volumeZThreshold: o.volumeZThreshold ?? base.volumeZThreshold,
      volumeMinSamples: o.volumeMinSamples ?? base.volumeMinSamples,
      staleMs: o.staleMs ?? base.staleMs,
    });
  }
  c = { base, bySector };
  compiledParams.set(params, c);
  return c;
}

/** The thresholds that apply to a sector: its overrides over the defaults. */
export function thresholdsFor(params: AnomalyParams, sector: string): AnomalyThresholds {
  const c = compile(params);
  return c.bySector.get(sector) ?? c.base;
}

// ---------------------------------------------------------------------------------------------
// Rolling windows

function emptyRolling(): Rolling {
  return { b: [], h: 0, m: 0, m2: 0, c: 0 };
}

/** Recomputes mean and m2 exactly (two passes); an all-equal window gets m2 = 0 exactly. */
function resum(r: Rolling): void {
  const b = r.b;
  const n = b.length;
  r.c = 0;
  if (n === 0) {
    r.m = 0;
    r.m2 = 0;
    return;
  }
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = b[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (min === max) {
    r.m = min;
    r.m2 = 0;
    return;
  }
  const m = sum / n;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = b[i]! - m;
    m2 += d * d;
  }
  r.m = m;
  r.m2 = m2;
}

/** Puts a window into ring order for capacity `w` (after a change of ANOMALY_WINDOW). */
function fitWindow(r: Rolling, w: number): void {
  const n = r.b.length;
  if (n === w ? r.h < w : n < w && r.h === 0) return;
  const ordered = r.h > 0 && r.h < n ? [...r.b.slice(r.h), ...r.b.slice(0, r.h)] : r.b;
  r.b = ordered.length > w ? ordered.slice(ordered.length - w) : ordered.slice();
  r.h = 0;
  resum(r);
}

function push(r: Rolling, x: number, w: number): void {
  const b = r.b;
  const n = b.length;
  if (n < w) {
    b.push(x);
    const d = x - r.m;
    r.m += d / (n + 1);
    r.m2 += d * (x - r.m);
  } else {
    const y = b[r.h]!;
    b[r.h] = x;
    r.h = r.h + 1 === w ? 0 : r.h + 1;
    if (x !== y) {
      const m0 = r.m;
      r.m = m0 + (x - y) / w;
      r.m2 += (x - y) * (x - r.m + y - m0);
    }
  }
  if (++r.c >= w) resum(r);
}

// Variance this small relative to the values' scale may be rounding residue: recompute first.
const SUSPECT_VARIANCE = 1e-14;

/** Population standard deviation of the window; 0 when its values are all equal. */
function stdOf(r: Rolling): number {
  const n = r.b.length;
  if (n === 0) return 0;
  let v = r.m2 / n;
  // Exactly 0 only when every update since an exact recomputation was a no-op: all equal.
  if (v === 0) return 0;
  if (v <= SUSPECT_VARIANCE * (1 + r.m * r.m) && r.c !== 0) {
    resum(r);
    v = r.m2 / n;
  }
  return v > 0 ? Math.sqrt(v) : 0;
}

/** Mean and standard deviation of a window, for tests and diagnostics. */
export function rollingStats(r: Rolling): { n: number; mean: number; std: number } {
  const n = r.b.length;
  return { n, mean: r.m, std: n === 0 ? 0 : Math.sqrt(Math.max(0, r.m2) / n) };
}

// ---------------------------------------------------------------------------------------------
// State

/** A fresh state for a ticker whose first tick this is. */
function newState(tick: StoredTick): WindowState {
  return {
    v: 2,
    p: 0,
    id: '',
    t: tick.ts,
    e: tick.id,
    x: tick.price,
    g: tick.sector,
    s: 0,
    r: emptyRolling(),
    q: emptyRolling(),
  };
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function isNumberArray(x: unknown): x is number[] {
  if (!Array.isArray(x)) return false;
  for (const v of x) if (!isFiniteNumber(v)) return false;
  return true;
}

function isRolling(x: unknown): x is Rolling {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    isNumberArray(r.b) &&
    Number.isInteger(r.h) &&
    (r.h as number) >= 0 &&
    (r.h as number) < Math.max(1, r.b.length) &&
    isFiniteNumber(r.m) &&
    isFiniteNumber(r.m2) &&
    Number.isInteger(r.c)
  );
}

/**
 * Reads a stored state. Throws (SyntaxError) on text that is not JSON, so a corrupt state fails
 * its batch visibly rather than silently losing the window. Accepts the current shape (v 2) and
 * converts the version-1 shape `{p, id, t, r}`: its returns become the return window (mean and
 * m2 computed exactly), the size window starts empty, the last event is its last trade. Any
 * other JSON value yields undefined: the ticker starts a fresh window.
 */
export function parseState(json: string): WindowState | undefined {
  return upgradeState(JSON.parse(json));
}

/** {@link parseState} for an already parsed value. */
export function upgradeState(raw: unknown): WindowState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  if (o.v === 2) {
    const ok =
      isFiniteNumber(o.p) &&
      typeof o.id === 'string' &&
      isFiniteNumber(o.t) &&
      typeof o.e === 'string' &&
      typeof o.x === 'string' &&
      typeof o.g === 'string' &&
      (o.s === 0 || o.s === 1) &&
      isRolling(o.r) &&
      isRolling(o.q);
    return ok ? (o as unknown as WindowState) : undefined;
  }
  if (
    o.v === undefined &&
    isFiniteNumber(o.p) &&
    o.p > 0 &&
    typeof o.id === 'string' &&
    isFiniteNumber(o.t) &&
    isNumberArray(o.r)
  ) {
    const r: Rolling = { b: o.r.slice(), h: 0, m: 0, m2: 0, c: 0 };
    resum(r);
    return {
      v: 2,
      p: o.p,
      id: o.id,
      t: o.t,
      e: o.id,
      x: canonicalDecimal(o.p) ?? String(o.p),
      g: '',
      s: 0,
      r,
      q: emptyRolling(),
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Detection

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * Feeds one tick through its ticker's state and appends what it finds to `out`.
 *
 * The state is updated in place and returned (a new one when `state` is undefined), so a batch
 * allocates nothing per tick but the anomalies it finds; copy a state first to keep the old one.
 * Every tick advances the ticker's newest event time (ending a stale episode when it is newer);
 * trades move the return and size windows and are checked for a jump, a return z-score and a
 * volume spike; quotes are checked for being crossed or locked.
 */
export function detect(
  state: WindowState | undefined,
  tick: StoredTick,
  params: AnomalyParams,
  out: Anomaly[],
): WindowState | undefined {
  const isTrade = tick.kind === 'trade';
  const price = isTrade ? Number(tick.price) : 0;
  // A trade without a usable price (normalization should have dead-lettered it) changes nothing.
  if (isTrade && !(price > 0 && price < Infinity)) return state;

  const s = state ?? newState(tick);
  if (tick.ts >= s.t) {
    if (tick.ts > s.t) s.s = 0;
    s.t = tick.ts;
    s.e = tick.id;
    s.x = tick.price;
  }
  s.g = tick.sector;
  const th = thresholdsFor(params, tick.sector);

  if (!isTrade) {
    if (tick.bid !== undefined && tick.ask !== undefined) checkQuote(tick, tick.bid, tick.ask, out);
    return s;
  }

  const w = params.window;
  const prev = s.p;
  if (prev > 0) {
    const ratio = price / prev;
    const jumpThreshold = jumpThresholdFor(th, prev);
    const jump = round((ratio - 1) * 100);
    if (Math.abs(jump) >= jumpThreshold) {
      out.push(anomaly('price_jump', jump, jumpThreshold, tick, [s.id, tick.id]));
    }
    const ret = Math.log(ratio);
    const r = s.r;
    fitWindow(r, w);
    if (r.b.length >= th.minSamples) {
      const std = stdOf(r);
      if (std > 0) {
        const z = round((ret - r.m) / std);
        if (Math.abs(z) >= th.zThreshold) {
          out.push(anomaly('return_zscore', z, th.zThreshold, tick, [s.id, tick.id]));
        }
      }
    }
    push(r, ret, w);
  }
  s.p = price;
  s.id = tick.id;

  if (tick.size !== undefined) {
    const size = Number(tick.size);
    if (size > 0 && size < Infinity) {
      const ls = Math.log(size);
      const q = s.q;
      fitWindow(q, w);
      if (q.b.length >= th.volumeMinSamples) {
        const std = stdOf(q);
        if (std > 0) {
          const z = round((ls - q.m) / std);
          if (z >= th.volumeZThreshold) {
            out.push(anomaly('volume_spike', z, th.volumeZThreshold, tick, [tick.id]));
          }
        }
      }
      push(q, ls, w);
    }
  }
  return s;
}

function anomaly(
  type: 'price_jump' | 'return_zscore' | 'volume_spike',
  statistic: number,
  threshold: number,
  tick: StoredTick,
  sourceIds: string[],
): Anomaly {
  return {
    type,
    severity: severityOf(statistic, threshold),
    ticker: tick.ticker,
    price: tick.price,
    statistic,
    threshold,
    ts: tick.ts,
    sourceIds,
  };
}

/**
 * Crossed (bid > ask) and locked (bid = ask) quotes, decided by exact decimal comparison.
 * Statistic: the spread (ask − bid) in basis points of the mid price, so negative when crossed
 * and 0 when locked; threshold 0 (a spread at or below 0 bps is anomalous). Severity: crossed
 * `high`, locked `medium`. Both are reported as type `crossed_quote`.
 */
function checkQuote(tick: StoredTick, bid: string, ask: string, out: Anomaly[]): void {
  const cmp = compareDecimal(bid, ask);
  if (cmp < 0) return;
  let statistic = 0;
  if (cmp > 0) {
    const b = Number(bid);
    const a = Number(ask);
    const mid = (a + b) / 2;
    statistic = round(mid > 0 ? ((a - b) / mid) * 1e4 : a - b);
  }
  out.push({
    type: 'crossed_quote',
    severity: cmp > 0 ? 'high' : 'medium',
    ticker: tick.ticker,
    price: tick.price,
    statistic: statistic === 0 ? 0 : statistic,
    threshold: 0,
    ts: tick.ts,
    sourceIds: [tick.id],
  });
}

/**
 * Stale tickers at event time `now` (the stage passes its batch's newest event time, so a ticker
 * counts as stale when the feed keeps flowing but it does not). A ticker is stale when
 * `now − t > staleMs` for its sector (staleMs 0: never). Each silent episode is reported once:
 * the state is marked (`s = 1`, so write it back) until a newer tick of the ticker arrives.
 *
 * Statistic: the silence in ms; threshold: staleMs; ts: `now`; price: the last event's price;
 * source: the last event's id. Severity by how far past the threshold at the time of reporting.
 */
export function detectStale(
  states: Iterable<readonly [string, WindowState]>,
  now: number,
  params: AnomalyParams,
): Anomaly[] {
  const found: Anomaly[] = [];
  for (const [ticker, s] of states) {
    if (s.s === 1) continue;
    const staleMs = thresholdsFor(params, s.g).staleMs;
    const silence = now - s.t;
    if (staleMs <= 0 || !(silence > staleMs)) continue;
    s.s = 1;
    found.push({
      type: 'stale',
      severity: severityOf(silence, staleMs),
      ticker,
      price: s.x,
      statistic: silence,
      threshold: staleMs,
      ts: now,
      sourceIds: [s.e],
    });
  }
  return found;
}
