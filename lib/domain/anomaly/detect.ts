import { compareDecimal } from '../decimal';
import type { Anomaly, StoredTick } from '../types';
import * as rolling from './rolling';
import type { Rolling } from './rolling';
import { newState, type WindowState } from './state';
import * as thresholds from './thresholds';
import { severityOf, type AnomalyParams } from './thresholds';

// tsx and swc compile imports to CommonJS getters, one getter call every time an imported name
// is used; on the per-tick path that cost ~15% of detect's time, so its helpers are bound once.
const { fitWindow, push, stdOf } = rolling;
const { jumpThresholdFor, thresholdsFor } = thresholds;

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * The z-score step both rolling detectors share: fits the window to capacity `w`, judges `x`
 * against it before `x` joins it (so a spike cannot dilute its own z-score), then adds `x`.
 * Returns z rounded to 4 decimals, or NaN while the window holds fewer than `minSamples` values
 * or they are all equal (NaN compares false with any threshold, so nothing is reported).
 */
function observe(r: Rolling, x: number, w: number, minSamples: number): number {
  fitWindow(r, w);
  let z = NaN;
  if (r.values.length >= minSamples) {
    const std = stdOf(r);
    if (std > 0) z = round((x - r.mean) / std);
  }
  push(r, x, w);
  return z;
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
  if (tick.ts >= s.newestTs) {
    if (tick.ts > s.newestTs) s.staleReported = false;
    s.newestTs = tick.ts;
    s.newestId = tick.id;
    s.newestPrice = tick.price;
  }
  s.sector = tick.sector;
  const th = thresholdsFor(params, tick.sector);

  if (!isTrade) {
    if (tick.bid !== undefined && tick.ask !== undefined) checkQuote(tick, tick.bid, tick.ask, out);
    return s;
  }

  const w = params.window;
  const prev = s.lastPrice;
  if (prev > 0) {
    const ratio = price / prev;
    const jumpThreshold = jumpThresholdFor(th, prev);
    const jump = round((ratio - 1) * 100);
    if (Math.abs(jump) >= jumpThreshold) {
      out.push(anomaly('price_jump', jump, jumpThreshold, tick, [s.lastTradeId, tick.id]));
    }
    const z = observe(s.returns, Math.log(ratio), w, th.minSamples);
    if (Math.abs(z) >= th.zThreshold) {
      out.push(anomaly('return_zscore', z, th.zThreshold, tick, [s.lastTradeId, tick.id]));
    }
  }
  s.lastPrice = price;
  s.lastTradeId = tick.id;

  if (tick.size !== undefined) {
    const size = Number(tick.size);
    if (size > 0 && size < Infinity) {
      // One-sided: only unusually large trades are volume spikes.
      const z = observe(s.sizes, Math.log(size), w, th.volumeMinSamples);
      if (z >= th.volumeZThreshold) {
        out.push(anomaly('volume_spike', z, th.volumeZThreshold, tick, [tick.id]));
      }
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
    feed: tick.feed,
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
    feed: tick.feed,
    price: tick.price,
    statistic: statistic === 0 ? 0 : statistic,
    threshold: 0,
    ts: tick.ts,
    sourceIds: [tick.id],
  });
}
