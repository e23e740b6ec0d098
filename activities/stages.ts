import {
  detect,
  detectStale,
  encodeState,
  normalizeRaw,
  parseState,
  type Anomaly,
  type AnomalyParams,
  type StoredTick,
  type WindowState,
} from '../lib/domain';
import {
  BatchCommit,
  decodeRaw,
  decodeTick,
  encodeAnomaly,
  encodeDeadLetter,
  encodeLatestQuote,
  encodeQuoteMessage,
  TICK_FIELD,
  tickJson,
  GROUPS,
  quoteOrderKey,
  type Keys,
  type Redis,
  type Stage,
} from '../lib/redis';
import type { StreamEntry } from './stream-reader';

/** What one batch did, by outcome. */
export interface StageCounts {
  /** Events written downstream (normalized ticks, quotes written, anomalies). */
  out: number;
  deadLettered: number;
  /** Anomalies found (anomaly stage). */
  anomalies: number;
}

export interface StageContext {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly sectors: ReadonlyMap<string, string>;
  readonly anomaly: AnomalyParams;
  /** Cap on output stream lengths (MAXLEN ~). */
  readonly maxLen: number;
  /** Window within which a repeated provider event is dropped; 0 turns de-duplication off. */
  readonly dedupeWindowMs: number;
  readonly now: number;
}

/**
 * One pipeline stage: where it reads, and how a batch of entries becomes writes on a
 * BatchCommit. The same code serves live batches and replays of failed ones.
 */
export interface StageProcessor {
  readonly stage: Stage;
  source(keys: Keys): string;
  build(
    entries: readonly StreamEntry[],
    commit: BatchCommit,
    ctx: StageContext,
  ): Promise<StageCounts>;
}

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
      const r = normalizeRaw(raw, { sectors: ctx.sectors });
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
        commit.append(keys.normalizedEvents, TICK_FIELD, tickJson(tick, id), ctx.maxLen, guard);
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
      }
    }
    commit.hincrby(keys.pipelineStats, 'normalize:in', entries.length);
    commit.hincrby(keys.pipelineStats, 'normalize:dead_letter', counts.deadLettered);
    return Promise.resolve(counts);
  },
};

export const cachepubStage: StageProcessor = {
  stage: 'cachepub',
  source: (keys) => keys.normalizedEvents,
  build(entries, commit, ctx) {
    // One write per ticker per batch: the newest tick by event time, ingest order breaking ties.
    const latest = new Map<string, { tick: StoredTick; order: string }>();
    for (const [id, fields] of entries) {
      const tick = decodeTick(id, fields);
      const order = quoteOrderKey(tick.ts, tick.rawId);
      const cur = latest.get(tick.ticker);
      if (!cur || order >= cur.order) latest.set(tick.ticker, { tick, order });
    }
    for (const { tick: t, order } of latest.values()) {
      const message = encodeQuoteMessage(t, ctx.now);
      commit.latest(
        ctx.keys.latestQuote(t.ticker),
        order,
        ctx.keys.quotesPubsub,
        message,
        encodeLatestQuote(t, ctx.now),
      );
      commit.sadd(ctx.keys.quoteTickers, t.ticker);
    }
    return Promise.resolve({ out: latest.size, deadLettered: 0, anomalies: 0 });
  },
};

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
    const fields: string[] = [];
    for (const ticker of changed) {
      const state = states.get(ticker);
      if (state) fields.push(ticker, encodeState(state));
    }
    commit.hset(ctx.keys.anomalyState, fields);
    return { out: found.length, deadLettered: 0, anomalies: found.length };
  },
};

export const STAGE_PROCESSORS: Readonly<Record<Stage, StageProcessor>> = {
  normalize: normalizeStage,
  cachepub: cachepubStage,
  anomaly: anomalyStage,
};

export { GROUPS };
