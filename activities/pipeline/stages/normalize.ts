import { normalizeRaw, partitionOf, type NormalizeOutcome } from '../../../lib/domain';
import { TICK_FIELD, decodeRaw, encodeDeadLetter, tickJson } from '../../../lib/redis';
import type { StageContext, StageCounts, StageProcessor } from './stage';

/**
 * Every raw event becomes exactly one of: a normalized tick, a duplicate (same feed and
 * provider id within the de-duplication window: dropped, counted), or a dead letter (with the
 * reason and the original payload). `pipeline:stats` counts `normalize:in`,
 * `normalize:dead_letter` and `normalize:duplicate` in the same commit, so
 * in = normalized + duplicate + dead_letter holds exactly.
 */
export const normalizeStage: StageProcessor = {
  stage: 'normalize',
  source: (keys) => keys.rawEvents,
  build(entries, commit, ctx) {
    const counts: StageCounts = { out: 0, deadLettered: 0, anomalies: 0 };
    const { keys, dedupeWindowMs } = ctx;
    // A bucket lives two windows: a duplicate arriving up to a window after its bucket closes is still caught.
    const ttlSeconds = Math.ceil((2 * dedupeWindowMs) / 1000);
    const dupCounter = { hash: keys.pipelineStats, field: 'normalize:duplicate' };
    for (const [id, fields] of entries) {
      const raw = decodeRaw(fields);
      const r = routed(normalizeRaw(raw, { sectors: ctx.sectors, limits: ctx.limits }), ctx);
      if (r.ok) {
        const { tick } = r;
        // Buckets by event time: a duplicate carries the same time, so it meets its original.
        const guard =
          dedupeWindowMs > 0 && tick.seq !== ''
            ? {
                set: keys.dedupe(tick.feed, Math.floor(tick.ts / dedupeWindowMs)),
                member: tick.seq,
                ttlSeconds,
                counter: dupCounter,
              }
            : undefined;
        // A sampled event's tick carries the chunk's trace context on to the next stages.
        const tp = ctx.trace?.sampled.has(id) ? ctx.trace.traceparent : undefined;
        commit.append(keys.normalizedEvents, TICK_FIELD, tickJson(tick, id, tp), ctx.maxLen, guard);
        counts.out++;
      } else {
        commit.xadd(
          keys.deadLetters,
          encodeDeadLetter({
            reason: r.reason,
            feed: raw.feed,
            adapter: raw.adapter,
            sourceStreamId: id,
            payload: raw.payload,
          }),
          ctx.maxLen,
        );
        counts.deadLettered++;
        ctx.metrics?.deadLetter(r.reason);
      }
    }
    commit.hincrby(keys.pipelineStats, 'normalize:in', entries.length);
    commit.hincrby(keys.pipelineStats, 'normalize:dead_letter', counts.deadLettered);
    return Promise.resolve(counts);
  },
};

/**
 * Ingestion routes every event by the symbol its adapter read from the frame; a tick whose
 * normalized ticker belongs to another partition would put that ticker's keys in two slots.
 * Never expected (the adapters' tests check that the routing symbol and the ticker agree);
 * dead-lettered, not written, if it happens.
 */
export function routed(r: NormalizeOutcome, ctx: StageContext): NormalizeOutcome {
  if (!r.ok) return r;
  const home = partitionOf(r.tick.ticker, ctx.partitions);
  if (home === ctx.keys.partition) return r;
  return {
    ok: false,
    reason: `routed to partition ${ctx.keys.partition}, but ticker ${r.tick.ticker} belongs to partition ${home}`,
  };
}
