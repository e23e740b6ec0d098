/**
 * Input of the `ingestFeed` workflow and of its `runFeed` activity. Secrets are not part of
 * it: `auth` names a credential set of the worker's configuration (`FEED_CREDENTIALS`), since
 * a workflow's input is stored in its history and shown in the Temporal UI.
 */
export interface FeedInput {
  /** Feed name; the workflow id is `feed-<name>`, so a feed runs once. */
  readonly name: string;
  /** Provider format: simulator, binance, coinbase, finnhub, alpaca, polygon, http-poll. */
  readonly adapter: string;
  /** WebSocket URL, or for http-poll a REST URL in which `{symbol}` is replaced per symbol. */
  readonly url: string;
  /** Symbols to subscribe to (or poll); the provider's default when omitted. */
  readonly symbols?: readonly string[];
  /** Name of a credential set in FEED_CREDENTIALS. */
  readonly auth?: string;
  /** http-poll: time between polling rounds. @defaultValue 1000 */
  readonly pollIntervalMs?: number;
  /** A feed silent this long is reconnected (HTTP: request timeout). @defaultValue INGEST_SILENCE_MS */
  readonly silenceMs?: number;
  /** The activity returns after this long so the workflow can continue-as-new. @defaultValue 1 hour */
  readonly maxRunMs?: number;
  /**
   * How soon a dead worker is noticed and the feed restarted elsewhere; also bounds how long
   * pause / setSymbols take to reach a running feed. @defaultValue 10000
   */
  readonly heartbeatTimeoutMs?: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 1000;
export const DEFAULT_MAX_RUN_MS = 3_600_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;
