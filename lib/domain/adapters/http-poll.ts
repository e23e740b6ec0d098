import { z } from 'zod';
import { midPrice } from '../decimal';
import {
  emptyFrame,
  type FeedAdapter,
  type NormalizeOutcome,
  type ParsedFrame,
  type PollRequest,
} from './adapter';
import {
  contentKey,
  decimal,
  firstIssue,
  id,
  isRecord,
  parseJson,
  prefixedId,
  reject,
  rfc3339Time,
  symbol,
  toTick,
} from './parse-helpers';

/**
 * REST ticker endpoints, polled:
 *
 *   Binance /api/v3/ticker/bookTicker  {"symbol":"BTCUSDT","bidPrice":"37215.4","bidQty":"1.21",
 *                                       "askPrice":"37215.42","askQty":"0.66"}      → quote
 *   Binance /api/v3/ticker/price       {"symbol":"ETHUSDT","price":"2041.17"}  → trade, no size
 *   Coinbase /products/{id}/ticker     {"trade_id":578112300,"price":"37220.15","size":"0.00125",
 *                                       "bid":"37220.14","ask":"37220.15","time":"...Z",...}
 *                                                                → trade, with bid and ask
 *
 * Binance answers an array when no symbol is asked for; each element is one event. Binance
 * REST has no event time (the receive time stands in); Coinbase has `time`. Error bodies
 * (`{"code":-1121,"msg":"Invalid symbol."}`, `{"message":"NotFound"}`) are `error` controls.
 *
 * A Coinbase body does not name its product, so each event's payload wraps the body with
 * the request it answers: `{"symbol":<PollRequest.symbol or null>,"url":<url or null>,
 * "body":<the provider's object, unchanged>}`. sourceIds: Binance bookTicker
 * `~BTCUSDT|bt|<bidPrice>|<bidQty>|<askPrice>|<askQty>`, price `~ETHUSDT|p|<price>` (an
 * unchanged ticker repeats its id), Coinbase `BTC-USD:t:<trade_id>`.
 */

const NAME = 'http-poll';

/** Where a polling URL takes the symbol. */
const SYMBOL_SLOT = '{symbol}';

const bookTickerSchema = z.object({
  symbol: symbol('symbol'),
  bidPrice: decimal('bid bidPrice', { type: 'string', sign: 'positive' }),
  bidQty: decimal('bid size bidQty', { type: 'string', sign: 'nonNegative' }),
  askPrice: decimal('ask askPrice', { type: 'string', sign: 'positive' }),
  askQty: decimal('ask size askQty', { type: 'string', sign: 'nonNegative' }),
});

const priceSchema = z.object({
  symbol: symbol('symbol'),
  price: decimal('price', { type: 'string', sign: 'positive' }),
});

const coinbaseTickerSchema = z.object({
  trade_id: id('trade id trade_id'),
  time: rfc3339Time('time'),
  price: decimal('price', { type: 'string', sign: 'positive' }),
  size: decimal('size', { type: 'string', sign: 'nonNegative' }),
  bid: decimal('bid', { type: 'string', sign: 'positive' }),
  ask: decimal('ask', { type: 'string', sign: 'positive' }),
});

/** A Coinbase body's symbol comes from the request (the envelope). */
const requestSymbol = symbol('request symbol');

/** The event payload: the provider's body with the request it answers. */
interface Envelope {
  readonly symbol: string | null;
  readonly url: string | null;
  readonly body: unknown;
}

type Shape = 'binance-book-ticker' | 'binance-price' | 'coinbase-ticker' | 'unknown';

/**
 * Recognised by the keys only one shape has, so that a body missing a field is still read
 * as its shape and dead-lettered with the field's name.
 */
function shapeOf(b: Record<string, unknown>): Shape {
  if ('bidPrice' in b || 'askPrice' in b) return 'binance-book-ticker';
  if ('trade_id' in b || 'bid' in b || 'ask' in b) return 'coinbase-ticker';
  if ('symbol' in b && 'price' in b) return 'binance-price';
  return 'unknown';
}

/** The message of a provider error body, or undefined for data. */
function errorOf(b: Record<string, unknown>): string | undefined {
  if (typeof b.code === 'number' && typeof b.msg === 'string') return `${b.code} ${b.msg}`;
  if (typeof b.message === 'string' && shapeOf(b) === 'unknown' && !('price' in b))
    return b.message;
  return undefined;
}

function sourceIdOf(b: Record<string, unknown>, requestSymbol: unknown): string {
  switch (shapeOf(b)) {
    case 'binance-book-ticker':
      return contentKey(b.symbol, 'bt', b.bidPrice, b.bidQty, b.askPrice, b.askQty);
    case 'binance-price':
      return contentKey(b.symbol, 'p', b.price);
    case 'coinbase-ticker':
      return prefixedId(requestSymbol, 't', b.trade_id);
    case 'unknown':
      return '';
  }
}

function addBody(out: ParsedFrame, body: unknown, request: PollRequest | undefined): void {
  if (isRecord(body)) {
    const error = errorOf(body);
    if (error !== undefined) {
      out.controls.push({ kind: 'error', message: error });
      return;
    }
  }
  const envelope: Envelope = {
    symbol: request?.symbol ?? null,
    url: request?.url ?? null,
    body,
  };
  out.events.push({
    sourceId: isRecord(body) ? sourceIdOf(body, request?.symbol) : '',
    payload: JSON.stringify(envelope),
  });
}

/** Polled REST tickers of Binance and Coinbase. */
export const httpPollAdapter: FeedAdapter = {
  name: NAME,
  transport: 'http',

  parseFrame(frame: string, request?: PollRequest): ParsedFrame {
    const out = emptyFrame();
    const parsed = parseJson(frame);
    if (!parsed.ok) out.errors.push({ reason: parsed.reason, payload: frame });
    else if (Array.isArray(parsed.value)) for (const b of parsed.value) addBody(out, b, request);
    else addBody(out, parsed.value, request);
    return out;
  },

  normalize(payload, ctx): NormalizeOutcome {
    const parsed = parseJson(payload);
    if (!parsed.ok) return reject(parsed.reason);
    const envelope = parsed.value;
    if (!isRecord(envelope) || !('body' in envelope))
      return reject('not an http-poll envelope {symbol, url, body}');
    const b = envelope.body;
    if (!isRecord(b)) return reject('body is not an object');
    const shape = shapeOf(b);
    if (shape === 'binance-book-ticker') {
      const r = bookTickerSchema.safeParse(b);
      if (!r.success) return reject(firstIssue(r.error));
      const q = r.data;
      return toTick(ctx, NAME, 'quote', {
        ticker: q.symbol,
        ts: ctx.recvTs,
        seq: sourceIdOf(b, envelope.symbol),
        price: midPrice(q.bidPrice, q.askPrice),
        bid: q.bidPrice,
        ask: q.askPrice,
      });
    }
    if (shape === 'binance-price') {
      const r = priceSchema.safeParse(b);
      if (!r.success) return reject(firstIssue(r.error));
      return toTick(ctx, NAME, 'trade', {
        ticker: r.data.symbol,
        ts: ctx.recvTs,
        seq: sourceIdOf(b, envelope.symbol),
        price: r.data.price,
      });
    }
    if (shape === 'coinbase-ticker') {
      const ticker = requestSymbol.safeParse(envelope.symbol ?? undefined);
      if (!ticker.success) return reject(firstIssue(ticker.error));
      const r = coinbaseTickerSchema.safeParse(b);
      if (!r.success) return reject(firstIssue(r.error));
      const t = r.data;
      return toTick(ctx, NAME, 'trade', {
        ticker: ticker.data,
        ts: t.time,
        seq: sourceIdOf(b, envelope.symbol),
        price: t.price,
        size: t.size,
        bid: t.bid,
        ask: t.ask,
      });
    }
    const keys = Object.keys(b);
    const listed = keys.slice(0, 10).join(',') + (keys.length > 10 ? ',…' : '');
    return reject(`unrecognised ticker body with keys ${listed || '(none)'}`);
  },

  openingMessages() {
    return [];
  },

  /**
   * One request per symbol when the URL has a `{symbol}` slot (none without symbols: the
   * slot cannot be filled), else the URL alone.
   */
  pollRequests(url, { symbols }) {
    if (!url.includes(SYMBOL_SLOT)) return [{ url }];
    return (symbols ?? []).map((s) => ({
      url: url.replaceAll(SYMBOL_SLOT, encodeURIComponent(s)),
      symbol: s,
    }));
  },
};
