import { query, signal, update, workflow } from './definitions';

/**
 * The ingestFeed workflow's contract: its input, the progress its runFeed activity reports, the
 * status it answers, its messages, its id and its defaults.
 */

/**
 * Input of the `ingestFeed` workflow and of its `runFeed` activity. Secrets are not part of
 * it: `auth` names a credential set of the worker's configuration (`FEED_CREDENTIALS`), since
 * a workflow's input is stored in its history and shown in the Temporal UI.
 */
export interface FeedInput {
  /** Feed name ({@link FEED_NAME_PATTERN}); the workflow id is `feed-<name>`, so a feed runs once. */
  readonly name: string;
  /** Provider format: simulator, binance, coinbase, finnhub, alpaca, polygon, http-poll. */
  readonly adapter: string;
  /** WebSocket URL, or for http-poll a REST URL in which `{symbol}` is replaced per symbol. */
  readonly url: string;
  /** Symbols to subscribe to (or poll); the provider's default when omitted. */
  readonly symbols?: readonly string[];
  /** Name of a credential set in FEED_CREDENTIALS. */
  readonly auth?: string;
  /** http-poll: time between polling rounds. @defaultValue {@link FEED_DEFAULTS}.pollIntervalMs */
  readonly pollIntervalMs?: number;
  /** A feed silent this long is reconnected (HTTP: request timeout). @defaultValue INGEST_SILENCE_MS */
  readonly silenceMs?: number;
  /**
   * The activity returns after this long so the workflow can continue-as-new.
   * @defaultValue {@link FEED_DEFAULTS}.maxRunMs
   */
  readonly maxRunMs?: number;
  /**
   * How soon a dead worker is noticed and the feed restarted elsewhere; also bounds how long
   * pause / setSymbols take to reach a running feed. @defaultValue {@link FEED_DEFAULTS}.heartbeatTimeoutMs
   */
  readonly heartbeatTimeoutMs?: number;
}

/** Defaults of {@link FeedInput}'s optional timings, used by the workflow and the activity. */
export const FEED_DEFAULTS = {
  pollIntervalMs: 1000,
  /** One activity run: an hour, then continue-as-new. */
  maxRunMs: 3_600_000,
  heartbeatTimeoutMs: 10_000,
  /** Added to maxRunMs for the activity's start-to-close timeout: it only bounds a stuck run. */
  stuckMarginMs: 600_000,
} as const;

/**
 * A feed run's counters and state: heartbeated by runFeed (a retried attempt resumes its
 * counters from the last heartbeat) and signalled to the workflow, whose `status` query shows it.
 */
export interface FeedProgress {
  connected: boolean;
  /** Reading is paused because the pipeline is behind (backpressure). */
  throttled: boolean;
  /** Normalize-group lag on raw:events at the last check; null when unknown. */
  lag: number | null;
  /** WebSocket frames or HTTP responses received. */
  messages: number;
  /** Raw events written (data events plus unparseable parts). */
  events: number;
  parseErrors: number;
  controls: number;
  /** HTTP polling: events skipped because the response repeated the previous one. */
  unchanged: number;
  reconnects: number;
  lastError: string | null;
  lastErrorAt: number;
  lastSourceId: string;
  lastMessageAt: number;
  connectedAt: number;
  messagesPerSecond: number;
  eventsPerSecond: number;
  reportedAt: number;
}

export type FeedState = 'running' | 'paused' | 'failed' | 'stopped';

/** What the `status` query returns: counters are totals over the feed's whole life. */
export interface FeedStatus {
  readonly name: string;
  readonly adapter: string;
  readonly url: string;
  readonly symbols: readonly string[];
  readonly state: FeedState;
  readonly connected: boolean;
  /** Not reading because the pipeline is behind (backpressure). */
  readonly throttled: boolean;
  readonly lag: number | null;
  readonly messagesTotal: number;
  readonly eventsTotal: number;
  readonly parseErrorsTotal: number;
  readonly reconnectsTotal: number;
  readonly messagesPerSecond: number;
  readonly eventsPerSecond: number;
  /** ISO time of the last message received, null before the first. */
  readonly lastMessageAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  /** Activity runs completed (each ends with a continue-as-new or a restart). */
  readonly runs: number;
}

/** Totals of finished runs, carried across continue-as-new. */
export interface FeedTotals {
  messages: number;
  events: number;
  parseErrors: number;
  reconnects: number;
}

/** State carried into the next run of the workflow. */
export interface FeedCarried {
  readonly runs: number;
  readonly paused: boolean;
  readonly symbols?: readonly string[];
  readonly totals: FeedTotals;
  readonly last?: FeedProgress;
}

/** The feed's status (see {@link FeedStatus}). */
export const feedStatusQuery = query<FeedStatus>('status');
/** Closes the feed's connection until `resume`. */
export const pauseSignal = signal('pause');
export const resumeSignal = signal('resume');
/** Ends the feed: the workflow completes with its final status. */
export const stopSignal = signal('stop');
/** Replaces the subscribed symbols (reconnects with the new list); returns the list. */
export const setSymbolsUpdate = update<readonly string[], [readonly string[]]>('setSymbols');
/** Sent by the running activity itself: its latest counters. */
export const feedProgressSignal = signal<[FeedProgress]>('feedProgress');

const FEED_ID_PREFIX = 'feed-';

/** The ingestion workflow's id for a feed: one workflow per feed name. */
export function feedWorkflowId(name: string): string {
  return `${FEED_ID_PREFIX}${name}`;
}

/** The feed name of an ingestion workflow id; undefined for another workflow's id. */
export function feedNameOf(workflowId: string): string | undefined {
  return workflowId.startsWith(FEED_ID_PREFIX)
    ? workflowId.slice(FEED_ID_PREFIX.length)
    : undefined;
}

/**
 * Supervises one feed: runs its long-lived runFeed activity and restarts it when it fails;
 * signals `pause`, `resume`, `stop`, update `setSymbols`, query `status`.
 */
export type IngestFeedWorkflow = (input: FeedInput, carried?: FeedCarried) => Promise<FeedStatus>;
export const ingestFeedWorkflow = workflow<IngestFeedWorkflow>()('ingestFeed');
