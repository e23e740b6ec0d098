import { z } from 'zod';
import { midPrice } from '../decimal';
import { emptyFrame, type FeedAdapter, type ParsedFrame, type PollRequest } from './adapter';
import {
  contentKey,
  decimal,
  id,
  isRecord,
  normalizer,
  parseJson,
  prefixedId,
  rfc3339Time,
  rule,
  symbol,
  symbolText,
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

/** A Coinbase body's symbol comes from the request (the envelope); null there means missing. */
const requestSymbol = z.preprocess((v) => v ?? undefined, symbol('request symbol'));

/** The event payload: the provider's body with the request it answers. */
interface Envelope {
  readonly symbol: string | null;
  readonly url: string | null;
  readonly body: unknown;
}

/** An envelope as normalize reads it: any JSON object whose body is an object. */
type Received = Record<string, unknown> & { readonly body: Record<string, unknown> };

function hasRecordBody(e: Record<string, unknown>): e is Received {
  return isRecord(e.body);
}

function readEnvelope(payload: string): Received | string {
  const parsed = parseJson(payload);
  if (!parsed.ok) return parsed.reason;
  const e = parsed.value;
  if (!isRecord(e) || !('body' in e)) return 'not an http-poll envelope {symbol, url, body}';
  return hasRecordBody(e) ? e : 'body is not an object';
}

type Shape = 'binance-book-ticker' | 'binance-price' | 'coinbase-ticker';

/**
 * Recognised by the keys only one shape has, so that a body missing a field is still read
 * as its shape and dead-lettered with the field's name.
 */
function shapeOf(b: Record<string, unknown>): Shape | undefined {
  if ('bidPrice' in b || 'askPrice' in b) return 'binance-book-ticker';
  if ('trade_id' in b || 'bid' in b || 'ask' in b) return 'coinbase-ticker';
  if ('symbol' in b && 'price' in b) return 'binance-price';
  return undefined;
}

/** The message of a provider error body, or undefined for data. */
function errorOf(b: Record<string, unknown>): string | undefined {
  if (typeof b.code === 'number' && typeof b.msg === 'string') return `${b.code} ${b.msg}`;
  if (typeof b.message === 'string' && shapeOf(b) === undefined && !('price' in b))
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
    case undefined:
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
    // The ticker normalize reads: the body's symbol where its shape has one, else the request's.
    symbol: (isRecord(body) ? symbolText(body.symbol) : undefined) ?? symbolText(request?.symbol),
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

  normalize: normalizer({
    source: NAME,
    read: readEnvelope,
    kindOf: (e) => shapeOf(e.body),
    rules: {
      'binance-book-ticker': rule(
        z.object({ body: bookTickerSchema }),
        'quote',
        (d, e: Received, ctx) => ({
          ticker: d.body.symbol,
          ts: ctx.recvTs,
          seq: sourceIdOf(e.body, e.symbol),
          price: midPrice(d.body.bidPrice, d.body.askPrice),
          bid: d.body.bidPrice,
          ask: d.body.askPrice,
        }),
      ),
      'binance-price': rule(z.object({ body: priceSchema }), 'trade', (d, e: Received, ctx) => ({
        ticker: d.body.symbol,
        ts: ctx.recvTs,
        seq: sourceIdOf(e.body, e.symbol),
        price: d.body.price,
      })),
      // The request's symbol is checked before the body.
      'coinbase-ticker': rule(
        z.object({ symbol: requestSymbol, body: coinbaseTickerSchema }),
        'trade',
        (d, e: Received) => ({
          ticker: d.symbol,
          ts: d.body.time,
          seq: sourceIdOf(e.body, e.symbol),
          price: d.body.price,
          size: d.body.size,
          bid: d.body.bid,
          ask: d.body.ask,
        }),
      ),
    },
    unknown(e) {
      const keys = Object.keys(e.body);
      const listed = keys.slice(0, 10).join(',') + (keys.length > 10 ? ',…' : '');
      return `unrecognised ticker body with keys ${listed || '(none)'}`;
    },
  }),

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
