import { partitionOf } from '../domain/partition';

/**
 * Every Redis key and channel name in fin-line comes from here. A prefix lets tests (and
 * several deployments on one Redis) keep their data apart; the default is none.
 *
 * Pipeline data is split into partitions (PIPELINE_PARTITIONS). Every key of partition N
 * carries the hash tag `{pN}` (`raw:{p3}:events`), so all of them sit in one Redis Cluster
 * slot: one commit script touches one partition's keys only, and runs on one node. A ticker's
 * partition is {@link partitionOf}(ticker). Keys outside the pipeline (API keys, audit, rate
 * limits, the archive's bookkeeping) are single keys, each in its own slot.
 */
export interface PartitionKeys {
  readonly partition: number;
  /** The hash tag every key of this partition carries, `{pN}`. */
  readonly tag: string;
  /** Stream: raw provider events written by ingestion. */
  readonly rawEvents: string;
  /** Stream: validated, normalized ticks. */
  readonly normalizedEvents: string;
  /** Stream: events that failed validation, with the reason and the original payload. */
  readonly deadLetters: string;
  /** Stream: detected anomalies. */
  readonly anomalies: string;
  /** Stream: batches that failed permanently, for replay. */
  readonly failedBatches: string;
  /**
   * Hash: durable counters of the partition's pipeline, updated inside each batch's commit so
   * they are exact whatever is retried (`normalize:in`, `normalize:dead_letter`, ...).
   */
  readonly pipelineStats: string;
  /** Hash: instrument (`<ticker>@<feed>`) → anomaly window state (compact JSON). */
  readonly anomalyState: string;
  /** Set: every ticker of this partition that has a latest quote. */
  readonly quoteTickers: string;
  /**
   * Sharded pub/sub channel (SPUBLISH): one message per venue quote written, carrying the
   * quote; it lives in the partition's slot.
   */
  readonly quotesChannel: string;
  /** Hash: a ticker's latest quote over all its venues (the newest by event time). */
  latestQuote(ticker: string): string;
  /** Hash: a ticker's latest quote from one feed (venue). */
  venueQuote(ticker: string, feed: string): string;
  /** Set: the feeds that have a quote of the ticker. */
  quoteVenues(ticker: string): string;
  /** String: marks a batch id as committed (replays commit at most once). */
  batchMarker(batchId: string): string;
  /**
   * String: marks a dead letter (by its stream id) as redriven, so a redrive takes it at most
   * once; expires after REDRIVE_DEFAULTS.markerTtlSeconds.
   */
  redriveMarker(letterId: string): string;
  /** Hash: dead letter id → its redrive's outcome (JSON), written with the marker. */
  readonly redriveOutcomes: string;
  /**
   * String: the token of the stage activity attempt that owns a consumer (`<stage>-<slot>`);
   * its commits apply only while it holds it (fencing, see BatchCommit.fencedBy).
   */
  consumerLease(consumer: string): string;
  /**
   * Set: identities of the events of one feed received in one time bucket (by event time),
   * for dropping duplicates; expires with the de-duplication window.
   */
  dedupe(feed: string, bucket: number): string;
  /**
   * Stream: this partition's ticks of one archived day put back by `npm run archive -- restore`
   * (original ids, which are unique only within the partition).
   */
  restoredEvents(day: string): string;
}

export interface Keys {
  readonly prefix: string;
  /** How many partitions the pipeline data is split into (at least 1). */
  readonly partitions: number;
  /** Every partition's keys, by partition number. */
  readonly all: readonly PartitionKeys[];
  /** The keys of partition `p` (0 ≤ p < partitions). */
  partition(p: number): PartitionKeys;
  /** The keys of the partition a (canonical) ticker belongs to. */
  forTicker(ticker: string): PartitionKeys;
  /** Set: ids of every API key ever created (revoked ones included). */
  readonly apiKeys: string;
  /** Hash: one API key's `id name role hash created_at [last_used_at] [revoked_at]`. */
  apiKey(id: string): string;
  /** Stream: one entry per API mutation and key-management command (who, what, when, result). */
  readonly auditEvents: string;
  /** String: GCRA state (theoretical arrival time) of one API client; expires when idle. */
  rateLimit(clientId: string): string;
  /**
   * Hash: stream key → the stream's first entry id right after the archive's last trim, to
   * tell the archive's trims from entries dropped by anything else (MAXLEN).
   */
  readonly archiveTrim: string;
}

function partitionKeys(prefix: string, partition: number): PartitionKeys {
  const tag = `{p${partition}}`;
  const k = (name: string, rest = '') => `${prefix}${name}:${tag}${rest}`;
  return {
    partition,
    tag,
    rawEvents: k('raw', ':events'),
    normalizedEvents: k('normalized', ':events'),
    deadLetters: k('deadletter', ':events'),
    anomalies: k('anomalies', ':events'),
    failedBatches: k('batches', ':failed'),
    pipelineStats: k('pipeline', ':stats'),
    anomalyState: k('anomaly', ':state'),
    quoteTickers: k('quotes', ':tickers'),
    quotesChannel: k('quotes', ':pubsub'),
    latestQuote: (ticker) => k('quotes', `:latest:${ticker}`),
    venueQuote: (ticker, feed) => k('quotes', `:venue:${ticker}@${feed}`),
    quoteVenues: (ticker) => k('quotes', `:venues:${ticker}`),
    batchMarker: (batchId) => k('batch', `:committed:${batchId}`),
    redriveMarker: (letterId) => k('deadletter', `:redriven:${letterId}`),
    redriveOutcomes: k('deadletter', ':redrives'),
    consumerLease: (consumer) => k('lease', `:${consumer}`),
    dedupe: (feed, bucket) => k('dedupe', `:${feed}:${bucket}`),
    restoredEvents: (day) => k('restored', `:normalized:${day}`),
  };
}

export function createKeys(prefix = '', partitions = 1): Keys {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new Error(`partitions must be a positive integer, not ${partitions}`);
  }
  const all = Array.from({ length: partitions }, (_, p) => partitionKeys(prefix, p));
  return {
    prefix,
    partitions,
    all,
    partition(p) {
      const keys = all[p];
      if (!keys) throw new RangeError(`no partition ${p} (partitions: ${partitions})`);
      return keys;
    },
    forTicker: (ticker) => all[partitionOf(ticker, partitions)]!,
    apiKeys: `${prefix}api-keys`,
    apiKey: (id) => `${prefix}api-keys:${id}`,
    auditEvents: `${prefix}audit:events`,
    rateLimit: (clientId) => `${prefix}ratelimit:${clientId}`,
    archiveTrim: `${prefix}archive:trim`,
  };
}

/** The keys of a deployment's configuration (`config.redis.keyPrefix`, `config.pipeline.partitions`). */
export function keysOf(config: {
  readonly redis: { readonly keyPrefix: string };
  readonly pipeline: { readonly partitions: number };
}): Keys {
  return createKeys(config.redis.keyPrefix, config.pipeline.partitions);
}

/**
 * The single-stream layout of releases before partitions (`raw:events`, `quotes:latest:<T>`,
 * ...): read only by the migration (scripts/migrate-partitions.ts).
 */
export function legacyKeys(prefix = '') {
  return {
    rawEvents: `${prefix}raw:events`,
    normalizedEvents: `${prefix}normalized:events`,
    deadLetters: `${prefix}deadletter:events`,
    anomalies: `${prefix}anomalies:events`,
    failedBatches: `${prefix}batches:failed`,
    quoteTickers: `${prefix}quotes:tickers`,
    anomalyState: `${prefix}anomaly:state`,
    pipelineStats: `${prefix}pipeline:stats`,
    latestQuote: (ticker: string) => `${prefix}quotes:latest:${ticker}`,
    /** String: set once the migration to partitions is done (its report). */
    migrated: `${prefix}migration:partitions`,
  } as const;
}

/** Consumer groups, by pipeline stage. */
export const GROUPS = {
  normalize: 'normalize',
  cachepub: 'cachepub',
  anomaly: 'anomaly',
} as const;

export type Stage = keyof typeof GROUPS;
export const STAGES = Object.keys(GROUPS) as Stage[];
