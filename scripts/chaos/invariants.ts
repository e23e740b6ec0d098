import type { Config } from '../../lib/config';
import { normalizeRaw, partitionOf } from '../../lib/domain';
import { loadSectors } from '../../lib/reference';
import {
  decodeDeadLetter,
  decodeRaw,
  decodeTick,
  GROUPS,
  keysOf,
  quoteOrderKey,
  resolveGroupLag,
  type PartitionKeys,
  type Redis,
} from '../../lib/redis';

type Entry = [id: string, fields: string[]];

/** The end-of-run checks of one partition. */
export interface PartitionReport {
  readonly partition: number;
  readonly raw: number;
  readonly normalizeIn: number;
  readonly normalized: number;
  readonly duplicate: number;
  readonly deadLetter: number;
  /** normalize:in = normalized + duplicate + dead_letter, and normalize:in = raw. */
  readonly accountingOk: boolean;
  /** Raw ids behind two or more normalized ticks / dead letters. */
  readonly normalizedTwice: number;
  /** Raw ids neither normalized, dead-lettered nor a duplicate (beyond the duplicate count). */
  readonly unaccounted: number;
  /** Normalized ticks whose raw id is not in the raw stream. */
  readonly unknownRawIds: number;
  /** Tickers whose latest-quote hash differs from the replay of the raw stream. */
  readonly quoteMismatches: readonly string[];
  readonly quotes: number;
  readonly failedBatches: number;
}

/** Every entry of a stream, page by page. */
async function* entries(redis: Redis, stream: string, page = 5000): AsyncGenerator<Entry> {
  let start = '-';
  for (;;) {
    const batch = (await redis.xrange(stream, start, '+', 'COUNT', page)) as Entry[];
    for (const e of batch) yield e;
    if (batch.length < page) return;
    start = `(${batch[batch.length - 1]![0]}`;
  }
}

/** True when every group of every partition has read and acknowledged everything. */
export async function drained(redis: Redis, config: Config): Promise<boolean> {
  for (const pk of keysOf(config).all) {
    const groups: [string, string][] = [
      [pk.rawEvents, GROUPS.normalize],
      [pk.normalizedEvents, GROUPS.cachepub],
      [pk.normalizedEvents, GROUPS.anomaly],
    ];
    for (const [stream, group] of groups) {
      // Counted, not Redis's figure: its read counters are off after a restart from the AOF.
      const lag = await resolveGroupLag(redis, stream, group, 1, 1);
      if (lag === undefined || lag.lag !== 0) return false;
      const [pending] = (await redis.xpending(stream, group)) as [number];
      if (pending !== 0) return false;
    }
  }
  return true;
}

/**
 * Checks one partition against an undisturbed replay of its raw stream: the same pure
 * normalization (adapter, input limits, partition routing) and the same de-duplication (feed
 * and provider id within the window, first in stream order wins) over the raw entries in order,
 * then the latest quote per ticker by event time, ingest order breaking ties.
 */
export async function checkPartition(
  redis: Redis,
  config: Config,
  pk: PartitionKeys,
  sectors: ReadonlyMap<string, string>,
): Promise<PartitionReport> {
  const { dedupeWindowMs } = config.pipeline;
  const deps = { sectors, limits: config.normalize };
  const rawIds = new Set<string>();
  const seen = new Set<string>();
  const expected = new Map<string, { order: string; rawId: string }>();
  let replayDuplicates = 0;
  for await (const [id, fields] of entries(redis, pk.rawEvents)) {
    rawIds.add(id);
    const r = normalizeRaw(decodeRaw(fields), deps);
    if (!r.ok || partitionOf(r.tick.ticker, config.pipeline.partitions) !== pk.partition) continue;
    const t = r.tick;
    if (dedupeWindowMs > 0 && t.seq !== '') {
      const key = `${t.feed}|${Math.floor(t.ts / dedupeWindowMs)}|${t.seq}`;
      if (seen.has(key)) {
        replayDuplicates++;
        continue;
      }
      seen.add(key);
    }
    const order = quoteOrderKey(t.ts, id);
    const cur = expected.get(t.ticker);
    if (!cur || order >= cur.order) expected.set(t.ticker, { order, rawId: id });
  }

  const used = new Map<string, number>();
  const use = (rawId: string) => used.set(rawId, (used.get(rawId) ?? 0) + 1);
  let normalized = 0;
  for await (const [id, fields] of entries(redis, pk.normalizedEvents)) {
    normalized++;
    use(decodeTick(id, fields).rawId);
  }
  let deadLetter = 0;
  for await (const [, fields] of entries(redis, pk.deadLetters)) {
    deadLetter++;
    use(decodeDeadLetter(fields).sourceStreamId);
  }
  const stats = await redis.hgetall(pk.pipelineStats);
  const num = (field: string) => Number(stats[field] ?? 0);
  const normalizeIn = num('normalize:in');
  const duplicate = num('normalize:duplicate');

  const quoteMismatches: string[] = [];
  const tickers = new Set([...(await redis.smembers(pk.quoteTickers)), ...expected.keys()]);
  for (const ticker of [...tickers].sort()) {
    const rawId = await redis.hget(pk.latestQuote(ticker), 'raw_id');
    if (rawId !== expected.get(ticker)?.rawId) quoteMismatches.push(ticker);
  }
  let unknownRawIds = 0;
  for (const rawId of used.keys()) if (!rawIds.has(rawId)) unknownRawIds++;
  return {
    partition: pk.partition,
    raw: rawIds.size,
    normalizeIn,
    normalized,
    duplicate,
    deadLetter: num('normalize:dead_letter'),
    accountingOk:
      normalizeIn === normalized + duplicate + num('normalize:dead_letter') &&
      normalizeIn === rawIds.size &&
      deadLetter === num('normalize:dead_letter') &&
      duplicate === replayDuplicates,
    normalizedTwice: [...used.values()].filter((n) => n > 1).length,
    unaccounted: rawIds.size - used.size - duplicate,
    unknownRawIds,
    quoteMismatches,
    quotes: expected.size,
    failedBatches: await redis.xlen(pk.failedBatches),
  };
}

/** {@link checkPartition} for every partition. */
export async function checkAll(redis: Redis, config: Config): Promise<PartitionReport[]> {
  const sectors = loadSectors(config.sectorsFile);
  const out: PartitionReport[] = [];
  for (const pk of keysOf(config).all) out.push(await checkPartition(redis, config, pk, sectors));
  return out;
}

/** True when a partition passed every check. */
export function partitionOk(p: PartitionReport): boolean {
  return (
    p.accountingOk &&
    p.normalizedTwice === 0 &&
    p.unaccounted === 0 &&
    p.unknownRawIds === 0 &&
    p.quoteMismatches.length === 0 &&
    p.failedBatches === 0
  );
}
