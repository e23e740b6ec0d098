import type { Anomaly, Severity, StoredTick } from './types';

/** Detection thresholds; per sector overrides come later with the same shape. */
export interface AnomalyParams {
  /** Number of returns in the rolling window. */
  readonly window: number;
  /** |z| of a trade's log return against the window that counts as an anomaly. */
  readonly zThreshold: number;
  /** Absolute price move from the previous trade, in percent, that counts as a jump. */
  readonly jumpPct: number;
  /** Returns needed in the window before z-scores are trusted. */
  readonly minSamples: number;
}

/** Per-ticker rolling state, small enough to live in a Redis hash field as JSON. */
export interface WindowState {
  /** Last trade price, id and time. */
  p: number;
  id: string;
  t: number;
  /** Log returns of the last `window` trades, oldest first. */
  r: number[];
}

export interface DetectResult {
  readonly state: WindowState | undefined;
  readonly anomalies: Anomaly[];
}

/** Maps how far a statistic is past its threshold to a severity. */
export function severityOf(statistic: number, threshold: number): Severity {
  const ratio = Math.abs(statistic) / threshold;
  if (ratio >= 3) return 'critical';
  if (ratio >= 2) return 'high';
  if (ratio >= 1.5) return 'medium';
  return 'low';
}

function meanStd(xs: readonly number[]): { mean: number; std: number } {
  let sum = 0;
  let sumSq = 0;
  for (const x of xs) {
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / xs.length;
  const variance = Math.max(0, sumSq / xs.length - mean * mean);
  return { mean, std: Math.sqrt(variance) };
}

/**
 * Feeds one tick through its ticker's window. Trades move the window (z-score of log returns,
 * jump from the previous trade); quotes are checked for being crossed or locked. The window
 * is judged before the new return joins it, so a spike cannot dilute its own z-score.
 */
export function detect(
  prev: WindowState | undefined,
  tick: StoredTick,
  params: AnomalyParams,
): DetectResult {
  const anomalies: Anomaly[] = [];
  if (tick.kind === 'quote') {
    if (tick.bid !== undefined && tick.ask !== undefined && Number(tick.bid) >= Number(tick.ask)) {
      const spread = Number(tick.ask) - Number(tick.bid);
      anomalies.push({
        type: 'crossed_quote',
        severity: spread < 0 ? 'high' : 'medium',
        ticker: tick.ticker,
        price: tick.price,
        statistic: spread,
        threshold: 0,
        ts: tick.ts,
        sourceIds: [tick.id],
      });
    }
    return { state: prev, anomalies };
  }

  const price = Number(tick.price);
  if (!(price > 0)) return { state: prev, anomalies };
  if (!prev) return { state: { p: price, id: tick.id, t: tick.ts, r: [] }, anomalies };

  const ret = Math.log(price / prev.p);
  const jumpPct = (price / prev.p - 1) * 100;
  if (Math.abs(jumpPct) >= params.jumpPct) {
    anomalies.push({
      type: 'price_jump',
      severity: severityOf(jumpPct, params.jumpPct),
      ticker: tick.ticker,
      price: tick.price,
      statistic: round(jumpPct),
      threshold: params.jumpPct,
      ts: tick.ts,
      sourceIds: [prev.id, tick.id],
    });
  }
  if (prev.r.length >= params.minSamples) {
    const { mean, std } = meanStd(prev.r);
    if (std > 0) {
      const z = (ret - mean) / std;
      if (Math.abs(z) >= params.zThreshold) {
        anomalies.push({
          type: 'return_zscore',
          severity: severityOf(z, params.zThreshold),
          ticker: tick.ticker,
          price: tick.price,
          statistic: round(z),
          threshold: params.zThreshold,
          ts: tick.ts,
          sourceIds: [prev.id, tick.id],
        });
      }
    }
  }
  const r =
    prev.r.length >= params.window
      ? prev.r.slice(prev.r.length - params.window + 1)
      : prev.r.slice();
  r.push(ret);
  return { state: { p: price, id: tick.id, t: tick.ts, r }, anomalies };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
