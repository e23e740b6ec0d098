import type { NormalizedTick } from '../types';

/** One data event cut out of a provider frame. */
export interface FrameEvent {
  /** Provider trade id / sequence, '' when the provider has none. */
  readonly sourceId: string;
  /** The event's own JSON text. */
  readonly payload: string;
}

/** A control frame: handled by the ingestion activity, never stored as data. */
export interface ControlMessage {
  readonly kind:
    'connected' | 'subscribed' | 'ping' | 'heartbeat' | 'auth_failed' | 'error' | 'ack';
  readonly message: string;
}

/** What an adapter makes of one WebSocket frame or HTTP response body. */
export interface ParsedFrame {
  readonly events: FrameEvent[];
  readonly controls: ControlMessage[];
  /** Set when the frame (or part of it) could not be parsed; that text goes on to dead-letter. */
  readonly errors: { readonly reason: string; readonly payload: string }[];
}

/** Reference data the normalizer needs; passed in so the domain code does no I/O. */
export interface NormalizeContext {
  readonly feed: string;
  readonly sectors: ReadonlyMap<string, string>;
}

export type NormalizeOutcome =
  | { readonly ok: true; readonly tick: NormalizedTick }
  | { readonly ok: false; readonly reason: string };

/** Pure parsing and normalization for one provider format. */
export interface FeedAdapter {
  readonly name: string;
  /** Splits a frame into data events, control messages and unparseable parts. */
  parseFrame(frame: string): ParsedFrame;
  /** Validates one event's payload and maps it to a normalized tick. */
  normalize(payload: string, ctx: NormalizeContext): NormalizeOutcome;
  /** Messages to send after connecting (auth, subscribe). */
  openingMessages(opts: { symbols?: readonly string[] }): string[];
}

export const UNKNOWN_SECTOR = 'Unknown';

export function emptyFrame(): ParsedFrame {
  return { events: [], controls: [], errors: [] };
}
