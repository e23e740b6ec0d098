import type { NormalizedTick } from '../types';

/** One data event cut out of a provider frame. */
export interface FrameEvent {
  /**
   * Identity of the event at its provider, used to drop duplicates: the provider's trade id or
   * sequence where it has one (e.g. Binance `t`, Polygon `i`), else a key made of the event's
   * content prefixed with `~` (e.g. Finnhub, which has no ids). '' only for events the adapter
   * could not read at all (they are dead-lettered anyway).
   */
  readonly sourceId: string;
  /**
   * The instrument symbol as the provider spelled it, when the adapter could read one (the
   * field its normalize reads the ticker from): ingestion writes the event to the partition
   * of that ticker. Absent for events without a readable symbol (dead-lettered anyway).
   */
  readonly symbol?: string;
  /** The event's own JSON text, as the provider sent it (re-serialized when cut out of a batch). */
  readonly payload: string;
}

/** A control frame: handled by the ingestion activity, never stored as data. */
export interface ControlMessage {
  readonly kind:
    | 'connected'
    | 'authenticated'
    | 'subscribed'
    | 'ping'
    | 'heartbeat'
    | 'auth_failed'
    | 'error'
    | 'ack';
  readonly message: string;
}

/** What an adapter makes of one WebSocket frame or HTTP response body. */
export interface ParsedFrame {
  readonly events: FrameEvent[];
  readonly controls: ControlMessage[];
  /** Set when the frame (or part of it) could not be parsed; that text goes on to dead-letter. */
  readonly errors: { readonly reason: string; readonly payload: string }[];
}

/**
 * Secrets a feed needs. They come from configuration (`FEED_CREDENTIALS`), looked up by the
 * name a feed's input gives, so no secret is ever written into a Temporal history.
 */
export interface Credentials {
  readonly key?: string;
  readonly secret?: string;
  readonly token?: string;
}

/** Reference data the normalizer needs; passed in so the domain code does no I/O. */
export interface NormalizeContext {
  readonly feed: string;
  readonly sectors: ReadonlyMap<string, string>;
  /** When ingestion received the event (ms since epoch): the event time of providers that send none. */
  readonly recvTs: number;
}

export type NormalizeOutcome =
  | { readonly ok: true; readonly tick: NormalizedTick }
  | { readonly ok: false; readonly reason: string };

/** Options an adapter's connection messages depend on. */
export interface ConnectOptions {
  readonly symbols?: readonly string[];
  readonly credentials?: Credentials;
}

/** One HTTP request of a polling feed, with the symbol it asks about when the URL names one. */
export interface PollRequest {
  readonly url: string;
  readonly symbol?: string;
}

/** Pure parsing and normalization for one provider format. */
export interface FeedAdapter {
  readonly name: string;
  /** How the ingestion activity talks to the provider. */
  readonly transport: 'ws' | 'http';
  /**
   * Splits a frame (a WebSocket message, or an HTTP response body) into data events, control
   * messages and unparseable parts. `request` is the HTTP request the body answers.
   */
  parseFrame(frame: string, request?: PollRequest): ParsedFrame;
  /** Validates one event's payload and maps it to a normalized tick. */
  normalize(payload: string, ctx: NormalizeContext): NormalizeOutcome;
  /** WebSocket: the URL to connect to (e.g. with a token or stream names added). */
  connectUrl?(url: string, opts: ConnectOptions): string;
  /** WebSocket: messages to send after connecting (auth, subscribe). */
  openingMessages(opts: ConnectOptions): string[];
  /**
   * WebSocket: messages to send once the provider has acknowledged authentication, for
   * providers that refuse a subscribe before that (Alpaca, Polygon).
   */
  afterAuthMessages?(opts: ConnectOptions): string[];
  /** HTTP: the requests of one polling round. */
  pollRequests?(url: string, opts: ConnectOptions): PollRequest[];
}

export const UNKNOWN_SECTOR = 'Unknown';

export function emptyFrame(): ParsedFrame {
  return { events: [], controls: [], errors: [] };
}
