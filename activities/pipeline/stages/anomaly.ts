import {
  detect,
  detectStale,
  encodeState,
  parseState,
  type Anomaly,
  type WindowState,
} from '../../../lib/domain';
import { decodeTick, encodeAnomaly } from '../../../lib/redis';
import type { StageProcessor } from './stage';

/**
 * Anomaly detection, in stream order: every window is read once per batch, the batch's ticks
 * go through the detectors, and the windows that changed are written back in the same commit.
 */
export const anomalyStage: StageProcessor = {
  stage: 'anomaly',
  source: (keys) => keys.normalizedEvents,
  async build(entries, commit, ctx) {
    const ticks = entries.map(([id, fields]) => decodeTick(id, fields));
    if (ticks.length === 0) return { out: 0, deadLettered: 0, anomalies: 0 };
    const inBatch = new Set<string>();
    let newest = -Infinity;
    for (const t of ticks) {
      inBatch.add(t.ticker);
      if (t.ts > newest) newest = t.ts;
    }
    // One read of every ticker's window: stale detection needs the tickers this batch lacks.
    // A corrupt window of a batch ticker fails the batch, as before; another ticker's corrupt
    // window is only left out of stale detection (its own next batch will fail on it).
    const stored = await ctx.redis.hgetall(ctx.keys.anomalyState);
    const states = new Map<string, WindowState>();
    for (const [ticker, json] of Object.entries(stored)) {
      let state: WindowState | undefined;
      if (inBatch.has(ticker)) state = parseState(json);
      else {
        try {
          state = parseState(json);
        } catch {
          state = undefined;
        }
      }
      if (state) states.set(ticker, state);
    }
    const found: Anomaly[] = [];
    for (const tick of ticks) {
      const prev = states.get(tick.ticker);
      const state = detect(prev, tick, ctx.anomaly, found);
      if (state && state !== prev) states.set(tick.ticker, state);
    }
    const changed = new Set(inBatch);
    for (const a of detectStale(states, newest, ctx.anomaly)) {
      found.push(a);
      changed.add(a.ticker);
    }
    for (const a of found) commit.xadd(ctx.keys.anomalies, encodeAnomaly(a, ctx.now), ctx.maxLen);
    for (const a of found) ctx.metrics?.anomaly(a.type, a.severity);
    const fields: string[] = [];
    for (const ticker of changed) {
      const state = states.get(ticker);
      if (state) fields.push(ticker, encodeState(state));
    }
    commit.hset(ctx.keys.anomalyState, fields);
    return { out: found.length, deadLettered: 0, anomalies: found.length };
  },
};
