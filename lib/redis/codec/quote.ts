import type { EventKind, NormalizedTick, StoredTick } from '../../domain/types';
import type { Fields } from './fields';
import { quoteOrderKey } from './tick';

/**
 * Latest-quote hash layout: the tick's fields, `stream_id` (in normalized:events), `order`
 * (see {@link quoteOrderKey}) and `updated_at` (write time, ms).
 */
/** A tick as one hash field per attribute: the latest-quote hash, read field by field. */
function tickHashFields(t: NormalizedTick, rawId: string): Fields {
  const f = ['ticker', t.ticker, 'kind', t.kind, 'price', t.price];
  if (t.size !== undefined) f.push('size', t.size);
  if (t.bid !== undefined) f.push('bid', t.bid);
  if (t.ask !== undefined) f.push('ask', t.ask);
  f.push('ts', String(t.ts), 'sector', t.sector, 'source', t.source, 'feed', t.feed);
  f.push('seq', t.seq, 'raw_id', rawId);
  return f;
}

export function encodeLatestQuote(t: StoredTick, updatedAt: number): Fields {
  const f = tickHashFields(t, t.rawId);
  f.push('stream_id', t.id, 'order', quoteOrderKey(t.ts, t.rawId), 'updated_at', String(updatedAt));
  return f;
}

export interface LatestQuote extends NormalizedTick {
  readonly streamId: string;
  readonly updatedAt: number;
  /**
   * The tick's {@link quoteOrderKey}: of two quotes of a ticker the one with the greater key is
   * the newer (absent in messages and hashes written before venues).
   */
  readonly order?: string;
  /** In a pub/sub message only: the publishing chunk's trace context, for sampled events. */
  readonly traceparent?: string;
}

/** Decodes HGETALL of a latest-quote hash; undefined for a missing hash. */
export function decodeLatestQuote(h: Record<string, string>): LatestQuote | undefined {
  if (!h.ticker) return undefined;
  return {
    ticker: h.ticker,
    kind: (h.kind ?? 'trade') as EventKind,
    price: h.price ?? '0',
    ...(h.size !== undefined ? { size: h.size } : {}),
    ...(h.bid !== undefined ? { bid: h.bid } : {}),
    ...(h.ask !== undefined ? { ask: h.ask } : {}),
    ts: Number(h.ts ?? 0),
    sector: h.sector ?? '',
    source: h.source ?? '',
    feed: h.feed ?? '',
    seq: h.seq ?? '',
    streamId: h.stream_id ?? '',
    updatedAt: Number(h.updated_at ?? 0),
    ...(h.order !== undefined ? { order: h.order } : {}),
  };
}

/**
 * The pub/sub message published with each latest-quote write: the same quote the hash now
 * holds, so a subscriber (the API's cache, live subscriptions) needs no read after it.
 */
export function encodeQuoteMessage(t: StoredTick, updatedAt: number, traceparent?: string): string {
  const q: LatestQuote = {
    ticker: t.ticker,
    kind: t.kind,
    price: t.price,
    ...(t.size !== undefined ? { size: t.size } : {}),
    ...(t.bid !== undefined ? { bid: t.bid } : {}),
    ...(t.ask !== undefined ? { ask: t.ask } : {}),
    ts: t.ts,
    sector: t.sector,
    source: t.source,
    feed: t.feed,
    seq: t.seq,
    streamId: t.id,
    updatedAt,
    order: quoteOrderKey(t.ts, t.rawId),
    ...(traceparent !== undefined ? { traceparent } : {}),
  };
  return JSON.stringify(q);
}

/** Decodes a quote pub/sub message; undefined when it is not one (never throws). */
export function decodeQuoteMessage(message: string): LatestQuote | undefined {
  let j: unknown;
  try {
    j = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof j !== 'object' || j === null) return undefined;
  const q = j as Partial<LatestQuote>;
  if (typeof q.ticker !== 'string' || typeof q.price !== 'string' || typeof q.ts !== 'number') {
    return undefined;
  }
  return q as LatestQuote;
}
