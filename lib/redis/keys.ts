/**
 * Every Redis key and channel name in fin-line comes from here. A prefix lets tests (and
 * several deployments on one Redis) keep their data apart; the default is none, so the
 * streams are literally `raw:events`, `normalized:events`, ...
 */
export interface Keys {
  readonly prefix: string;
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
  /** Pub/sub channel: one message per ticker per batch with its latest quote. */
  readonly quotesPubsub: string;
  /** Set: every ticker that has a latest-quote hash. */
  readonly quoteTickers: string;
  /**
   * Hash: durable counters of the pipeline, updated inside each batch's commit so they are
   * exact whatever is retried (`normalize:in`, `normalize:dead_letter`, `normalize:duplicate`, ...).
   */
  readonly pipelineStats: string;
  /** Hash: ticker → anomaly window state (JSON). */
  readonly anomalyState: string;
  /** Hash: the latest quote of one ticker. */
  latestQuote(ticker: string): string;
  /** String: marks a batch id as committed (replays commit at most once). */
  batchMarker(batchId: string): string;
  /**
   * Set: identities of the events of one feed received in one time bucket (by event time),
   * for dropping duplicates; expires with the de-duplication window.
   */
  dedupe(feed: string, bucket: number): string;
  /** Set: ids of every API key ever created (revoked ones included). */
  readonly apiKeys: string;
  /** Hash: one API key's `id name role hash created_at [last_used_at] [revoked_at]`. */
  apiKey(id: string): string;
  /** Stream: one entry per API mutation and key-management command (who, what, when, result). */
  readonly auditEvents: string;
  /** String: GCRA state (theoretical arrival time) of one API client; expires when idle. */
  rateLimit(clientId: string): string;
  /** Stream: one archived day's ticks put back by `npm run archive -- restore` (original ids). */
  restoredEvents(day: string): string;
  /**
   * Hash: stream key → the stream's first entry id right after the archive's last trim, to
   * tell the archive's trims from entries dropped by anything else (MAXLEN).
   */
  readonly archiveTrim: string;
}

export function createKeys(prefix = ''): Keys {
  return {
    prefix,
    rawEvents: `${prefix}raw:events`,
    normalizedEvents: `${prefix}normalized:events`,
    deadLetters: `${prefix}deadletter:events`,
    anomalies: `${prefix}anomalies:events`,
    failedBatches: `${prefix}batches:failed`,
    quotesPubsub: `${prefix}quotes:pubsub`,
    quoteTickers: `${prefix}quotes:tickers`,
    anomalyState: `${prefix}anomaly:state`,
    pipelineStats: `${prefix}pipeline:stats`,
    latestQuote: (ticker) => `${prefix}quotes:latest:${ticker}`,
    batchMarker: (batchId) => `${prefix}batch:committed:${batchId}`,
    dedupe: (feed, bucket) => `${prefix}dedupe:${feed}:${bucket}`,
    apiKeys: `${prefix}api-keys`,
    apiKey: (id) => `${prefix}api-keys:${id}`,
    auditEvents: `${prefix}audit:events`,
    rateLimit: (clientId) => `${prefix}ratelimit:${clientId}`,
    restoredEvents: (day) => `${prefix}restored:normalized:${day}`,
    archiveTrim: `${prefix}archive:trim`,
  };
}

/** Consumer groups, by pipeline stage. */
export const GROUPS = {
  normalize: 'normalize',
  cachepub: 'cachepub',
  anomaly: 'anomaly',
} as const;

export type Stage = keyof typeof GROUPS;
export const STAGES = Object.keys(GROUPS) as Stage[];
