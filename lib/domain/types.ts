/**
 * The records that flow through the pipeline. Prices and sizes are canonical decimal strings
 * (see decimal.ts) from the feed to the cache, so nothing is rounded on the way; numbers are
 * made from them only for statistics.
 */

/** What kind of market event a record describes. */
export type EventKind = 'trade' | 'quote';

/** One provider event as ingested into `raw:events`, before validation. */
export interface RawEvent {
  /** Feed (workflow) name that received it. */
  readonly feed: string;
  /** Adapter that parsed the frame; selects the normalizer. */
  readonly adapter: string;
  /** Receive time at the ingestion activity, ms since epoch. */
  readonly recvTs: number;
  /** Provider trade id / sequence when the provider has one, else ''. */
  readonly sourceId: string;
  /** The provider's original JSON for this one event (or the whole frame if it could not be parsed). */
  readonly payload: string;
  /** Set when the adapter could not parse the frame: the reason, for the dead-letter stream. */
  readonly parseError?: string;
  /** W3C trace context of the span that appended it; only on events sampled for tracing. */
  readonly traceparent?: string;
}

/** A validated, normalized tick, as written to `normalized:events`. */
export interface NormalizedTick {
  readonly ticker: string;
  readonly kind: EventKind;
  /** Trade price, or the quote's mid price. Canonical decimal string. */
  readonly price: string;
  readonly size?: string;
  readonly bid?: string;
  readonly ask?: string;
  /** Event time from the provider, ms since epoch, UTC. */
  readonly ts: number;
  readonly sector: string;
  /** Adapter name (provider). */
  readonly source: string;
  readonly feed: string;
  /** Provider trade id / sequence ('' if none). */
  readonly seq: string;
}

/** A tick with the stream id it was read from, as consumers see it. */
export interface StoredTick extends NormalizedTick {
  readonly id: string;
  /** Id of the raw event it came from: ingest order, which breaks ties between equal `ts`. */
  readonly rawId: string;
  /** W3C trace context of the chunk span that wrote it; only on events sampled for tracing. */
  readonly traceparent?: string;
}

export type AnomalyType =
  'price_jump' | 'return_zscore' | 'volume_spike' | 'crossed_quote' | 'stale';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** One detected anomaly, as written to the anomalies stream. */
export interface Anomaly {
  readonly type: AnomalyType;
  readonly severity: Severity;
  readonly ticker: string;
  /** The feed (venue) whose ticks it was found in: windows are kept per ticker and feed. */
  readonly feed: string;
  readonly price: string;
  /** The statistic that crossed the threshold (e.g. z-score, jump %). */
  readonly statistic: number;
  readonly threshold: number;
  /** Event time of the tick that triggered it. */
  readonly ts: number;
  /** Stream ids (in `normalized:events`) of the events behind it. */
  readonly sourceIds: readonly string[];
}

/** Why an event was dead-lettered, plus what is needed to find and replay it. */
export interface DeadLetter {
  readonly reason: string;
  readonly feed: string;
  readonly adapter: string;
  readonly sourceStreamId: string;
  readonly payload: string;
  /** Set on a letter a redrive wrote: the id of the letter it re-ran, which failed again. */
  readonly redrivenFrom?: string;
}
