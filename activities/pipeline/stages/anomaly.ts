import {
  detect,
  detectStale,
  encodeState,
  instrumentId,
  parseInstrumentId,
  parseState,
  type Anomaly,
  type WindowState,
} from '../../../lib/domain';
import { decodeTick, encodeAnomaly } from '../../../lib/redis';
import type { StageProcessor } from './stage';

/**
 * Anomaly detection, in stream order: every window of the partition is read once per batch,
 * the batch's ticks go through the detectors, and the windows that changed are written back
 * in the same commit. A window is one instrument's — a ticker as one feed (venue) reports
 * it — so two venues' prices never meet in one window.
 */
export const anomalyStage: StageProcessor = {
  stage: 'anomaly',
  source: (keys) => keys.normalizedEvents,
  async build(entries, commit, ctx) {
    const ticks = entries.map(([id, fields]) => decodeTick(id, fields));
    if (ticks.length === 0) return { out: 0, deadLettered: 0, anomalies: 0 };
    const inBatch = new Set<string>();
    // Stale detection runs per feed, at that feed's newest event time in the batch.
    const newestByFeed = new Map<string, number>();
    for (const t of ticks) {
      inBatch.add(instrumentId(t.ticker, t.feed));
      if (t.ts > (newestByFeed.get(t.feed) ?? -Infinity)) newestByFeed.set(t.feed, t.ts);
    }
    // One read of every window: stale detection needs the instruments this batch lacks. A
    // corrupt window of a batch instrument fails the batch; another's corrupt window is only
    // left out of stale detection (its own next batch will fail on it).
    const stored = await ctx.redis.hgetall(ctx.keys.anomalyState);
    const states = new Map<string, WindowState>();
    for (const [instrument, json] of Object.entries(stored)) {
      let state: WindowState | undefined;
      if (inBatch.has(instrument)) state = parseState(json);
      else {
        try {
          state = parseState(json);
        } catch {
          state = undefined;
        }
      }
      if (state) states.set(instrument, state);
    }
    const found: Anomaly[] = [];
    for (const tick of ticks) {
      const instrument = instrumentId(tick.ticker, tick.feed);
      const prev = states.get(instrument);
      const state = detect(prev, tick, ctx.anomaly, found);
      if (state && state !== prev) states.set(instrument, state);
    }
    const changed = new Set(inBatch);
    for (const [feed, newest] of newestByFeed) {
      const ofFeed: [string, WindowState][] = [];
      for (const [instrument, s] of states) {
        const id = parseInstrumentId(instrument);
        if (id.feed === feed) ofFeed.push([id.ticker, s]);
      }
      for (const a of detectStale(ofFeed, newest, ctx.anomaly, feed)) {
        found.push(a);
        changed.add(instrumentId(a.ticker, feed));
      }
    }
    // Anomalies link to the chunk that detected them (when it was traced).
    const tp = ctx.trace?.traceparent;
    for (const a of found) {
      commit.xadd(ctx.keys.anomalies, encodeAnomaly(a, ctx.now, tp), ctx.maxLen);
    }
    for (const a of found) ctx.metrics?.anomaly(a.type, a.severity);
    const fields: string[] = [];
    for (const instrument of changed) {
      const state = states.get(instrument);
      if (state) fields.push(instrument, encodeState(state));
    }
    commit.hset(ctx.keys.anomalyState, fields);
    return { out: found.length, deadLettered: 0, anomalies: found.length };
  },
};
