import { normalizeRaw, partitionOf, type InputLimits } from '../domain';
import type { Redis } from './client';
import {
  decodeAnomaly,
  decodeLatestQuote,
  decodeRaw,
  decodeTick,
  encodeLatestQuote,
  fieldMap,
  quoteOrderKey,
} from './codec';
import { GROUPS, legacyKeys, type Keys, type PartitionKeys } from './keys';
import { compareStreamIds } from './stream-ids';
import { streamGroups } from './stream-info';

type Entry = [id: string, fields: string[]];

/** What {@link migrateToPartitions} moved, per kind. */
export interface MigrationReport {
  /** False when there was nothing of the single-stream layout (or it was migrated before). */
  readonly migrated: boolean;
  /** Raw events not yet normalized, moved to be normalized in their partitions. */
  readonly raw: number;
  readonly normalized: number;
  readonly anomalies: number;
  readonly deadLetters: number;
  readonly failedBatches: number;
  readonly quotes: number;
  /** Legacy streams kept because failed batches refer to their entries (replay them first). */
  readonly kept: readonly string[];
}

const PAGE = 5000;

/**
 * True when the single-stream layout of releases before partitions holds data that was not
 * migrated yet.
 */
export async function hasLegacyLayout(redis: Redis, prefix: string): Promise<boolean> {
  const legacy = legacyKeys(prefix);
  if ((await redis.exists(legacy.migrated)) === 1) return false;
  for (const key of [legacy.rawEvents, legacy.normalizedEvents, legacy.quoteTickers]) {
    if ((await redis.exists(key)) === 1) return true;
  }
  return false;
}

/**
 * Moves a deployment's data from the single-stream layout (`raw:events`, `normalized:events`,
 * `quotes:latest:<T>`, ...) to the partitioned one. Run it with the old pipeline workflow
 * stopped (the new pipelines do not read the old keys, so nothing else moves them).
 *
 * - Raw events the normalize group has not committed (its pending entries and everything past
 *   its last delivered id) go to the raw stream of their ticker's partition, to be normalized
 *   there; committed ones are not needed again.
 * - Normalized ticks, anomalies and dead letters all move (the archive and the API read their
 *   history), each to its ticker's partition (a dead letter to its feed's); the cachepub and
 *   anomaly groups of each new normalized stream start where the old group stood: after the
 *   last committed entry (a single-consumer group's pending entries are its one uncommitted
 *   chunk, so they are delivered again).
 * - Latest quotes become their feed's venue quote and the ticker's latest; pipeline counters
 *   add up into partition 0's; failed-batch records move to partition 0's stream unchanged
 *   (a replay reads the old stream named in the record, so that stream is kept until they
 *   are replayed).
 * - Anomaly windows and de-duplication sets are not moved: windows were shared by the feeds of
 *   a ticker (now one per feed) and refill within ANOMALY_WINDOW ticks; a duplicate of an
 *   event from before the migration is not recognised.
 *
 * Entries keep their stream ids (so ingest order, the archive's day ranges and cursors still
 * hold), which also makes the move resumable: an entry whose id is not above its target
 * stream's last id was copied by an earlier, interrupted run. The old keys are deleted last.
 */
/**
 * Limits that let every parseable tick through: here a tick is parsed only to find its
 * partition (a tick refused here goes by its feed, as an unparseable one does); the normalize
 * stage applies the configured limits, and dead-letters, afterwards.
 */
const ROUTING_ONLY: InputLimits = {
  maxPrice: 1e20,
  maxSize: 1e20,
  maxDigits: Number.MAX_SAFE_INTEGER,
  maxFractionDigits: Number.MAX_SAFE_INTEGER,
};

export async function migrateToPartitions(redis: Redis, keys: Keys): Promise<MigrationReport> {
  const legacy = legacyKeys(keys.prefix);
  if (!(await hasLegacyLayout(redis, keys.prefix))) {
    return {
      migrated: false,
      raw: 0,
      normalized: 0,
      anomalies: 0,
      deadLetters: 0,
      failedBatches: 0,
      quotes: 0,
      kept: [],
    };
  }
  const feedPartition = (feed: string) => keys.forTicker(feed);
  const tickerPartition = (ticker: string) => keys.partition(partitionOf(ticker, keys.partitions));

  // Raw: what normalize has not committed.
  const normalize = (await streamGroups(redis, legacy.rawEvents)).find(
    (g) => g.name === GROUPS.normalize,
  );
  const uncommitted = new Set<string>();
  if (normalize) {
    for (const [id] of (await redis.xpending(
      legacy.rawEvents,
      GROUPS.normalize,
      '-',
      '+',
      1_000_000,
    )) as [string][]) {
      uncommitted.add(id);
    }
  }
  const afterDelivered = normalize?.lastDeliveredId;
  const raw = await moveStream(redis, legacy.rawEvents, (id, fields) => {
    if (afterDelivered && compareStreamIds(id, afterDelivered) <= 0 && !uncommitted.has(id)) {
      return undefined;
    }
    const e = decodeRaw(fields);
    const r = normalizeRaw(e, { sectors: new Map(), limits: ROUTING_ONLY });
    return (r.ok ? tickerPartition(r.tick.ticker) : feedPartition(e.feed)).rawEvents;
  });

  // Normalized ticks, with the groups' positions carried over.
  const groups = await streamGroups(redis, legacy.normalizedEvents);
  const resumeAt = new Map<string, string>();
  for (const g of groups) {
    const pending = (await redis.xpending(legacy.normalizedEvents, g.name, '-', '+', 1)) as [
      string,
    ][];
    // Resume just before the first uncommitted entry, or after the last delivered one.
    resumeAt.set(g.name, pending[0] ? before(pending[0][0]) : g.lastDeliveredId);
  }
  const normalized = await moveStream(redis, legacy.normalizedEvents, (id, fields) => {
    return tickerPartition(decodeTick(id, fields).ticker).normalizedEvents;
  });
  for (const pk of keys.all) {
    for (const [group, at] of resumeAt) {
      const last = (await redis.xrevrange(pk.normalizedEvents, at, '-', 'COUNT', 1)) as Entry[];
      await createGroupAt(redis, pk.normalizedEvents, group, last[0]?.[0] ?? '0-0');
    }
  }

  const anomalies = await moveStream(redis, legacy.anomalies, (id, fields) => {
    return tickerPartition(decodeAnomaly(id, fields).ticker).anomalies;
  });
  const deadLetters = await moveStream(redis, legacy.deadLetters, (_id, fields) => {
    return feedPartition(fieldMap(fields).feed ?? '').deadLetters;
  });
  const failedBatches = await moveStream(
    redis,
    legacy.failedBatches,
    () => keys.partition(0).failedBatches,
  );

  const quotes = await moveQuotes(redis, keys, legacy);

  // Counters add up once: added and removed in one transaction (a resumed run finds none).
  const stats = await redis.hgetall(legacy.pipelineStats);
  if (Object.keys(stats).length > 0) {
    const tx = redis.multi();
    for (const [field, value] of Object.entries(stats)) {
      tx.hincrby(keys.partition(0).pipelineStats, field, Number(value));
    }
    await tx.del(legacy.pipelineStats).exec();
  }

  const kept: string[] = failedBatches > 0 ? [legacy.rawEvents, legacy.normalizedEvents] : [];
  for (const key of [
    legacy.rawEvents,
    legacy.normalizedEvents,
    legacy.anomalies,
    legacy.deadLetters,
    legacy.failedBatches,
    legacy.anomalyState,
    legacy.pipelineStats,
  ]) {
    if (!kept.includes(key)) await redis.unlink(key);
  }
  const report = {
    migrated: true,
    raw,
    normalized,
    anomalies,
    deadLetters,
    failedBatches,
    quotes,
    kept,
  };
  // Done: a later run (the kept streams still exist) must not move group positions back.
  await redis.set(
    legacy.migrated,
    JSON.stringify({ ...report, at: Date.now(), partitions: keys.partitions }),
  );
  return report;
}

/**
 * Copies a stream's entries, in id order and with their ids, to the stream `target` names
 * (undefined: left behind). Skips what an interrupted earlier run copied already.
 */
async function moveStream(
  redis: Redis,
  source: string,
  target: (id: string, fields: string[]) => string | undefined,
): Promise<number> {
  const lastOf = new Map<string, string>();
  const lastId = async (key: string) => {
    let last = lastOf.get(key);
    if (last === undefined) {
      const top = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as Entry[];
      last = top[0]?.[0] ?? '0-0';
      lastOf.set(key, last);
    }
    return last;
  };
  let moved = 0;
  let start = '-';
  for (;;) {
    const page = (await redis.xrange(source, start, '+', 'COUNT', PAGE)) as Entry[];
    // One pipeline per target stream: a cluster pipeline keeps to one slot.
    const byTarget = new Map<string, Entry[]>();
    for (const [id, fields] of page) {
      const key = target(id, fields);
      if (key === undefined || compareStreamIds(id, await lastId(key)) <= 0) continue;
      let list = byTarget.get(key);
      if (!list) byTarget.set(key, (list = []));
      list.push([id, fields]);
    }
    for (const [key, entries] of byTarget) {
      const p = redis.pipeline();
      for (const [id, fields] of entries) p.xadd(key, id, ...fields);
      for (const [err] of (await p.exec()) ?? []) if (err) throw err;
      moved += entries.length;
    }
    if (page.length < PAGE) return moved;
    start = `(${page[page.length - 1]![0]}`;
  }
}

/** Moves every `quotes:latest:<T>` hash to its feed's venue quote and the ticker's latest. */
async function moveQuotes(
  redis: Redis,
  keys: Keys,
  legacy: ReturnType<typeof legacyKeys>,
): Promise<number> {
  let moved = 0;
  for (const ticker of await redis.smembers(legacy.quoteTickers)) {
    const hash = await redis.hgetall(legacy.latestQuote(ticker));
    const q = decodeLatestQuote(hash);
    if (q) {
      const pk: PartitionKeys = keys.forTicker(ticker);
      const rawId = hash.raw_id ?? '0-0';
      const fields = encodeLatestQuote({ ...q, id: q.streamId, rawId }, q.updatedAt);
      const order = quoteOrderKey(q.ts, rawId);
      for (const key of [pk.venueQuote(ticker, q.feed), pk.latestQuote(ticker)]) {
        const current = await redis.hget(key, 'order');
        if (current === null || current <= order) {
          await redis.del(key);
          await redis.hset(key, ...fields);
        }
      }
      await redis.sadd(pk.quoteVenues(ticker), q.feed);
      await redis.sadd(pk.quoteTickers, ticker);
      moved++;
    }
    await redis.unlink(legacy.latestQuote(ticker));
  }
  await redis.unlink(legacy.quoteTickers);
  return moved;
}

/** XGROUP CREATE at `id` (MKSTREAM), or SETID when the group exists (a resumed run). */
async function createGroupAt(redis: Redis, stream: string, group: string, id: string) {
  try {
    await redis.xgroup('CREATE', stream, group, id, 'MKSTREAM');
  } catch (err) {
    if (!(err instanceof Error && /BUSYGROUP/.test(err.message))) throw err;
    await redis.xgroup('SETID', stream, group, id);
  }
}

/** The stream id just before `id` (ids are `<ms>-<seq>`). */
function before(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-');
  if (seq !== '0') return `${ms}-${BigInt(seq) - 1n}`;
  return Number(ms) > 0 ? `${Number(ms) - 1}-18446744073709551615` : '0-0';
}
