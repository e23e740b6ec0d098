import { z } from 'zod';
import { midPrice } from '../decimal';
import { type ControlMessage, type FeedAdapter, type ParsedFrame } from './adapter';
import {
  contentKey,
  decimal,
  id,
  normalizer,
  parseArrayFrame,
  prefixedId,
  readObject,
  rfc3339Time,
  rule,
  symbol,
} from './parse-helpers';

/**
 * Alpaca market data v2 stream. Every frame is an array of messages:
 *
 *   trade {"T":"t","i":96921,"S":"AAPL","x":"V","p":189.71,"s":100,
 *          "t":"2023-11-14T15:51:44.208123456Z","c":["@"],"z":"C"}
 *   quote {"T":"q","S":"AAPL","bp":189.70,"bs":3,"ap":189.72,"as":4,
 *          "t":"2023-11-14T15:51:44.335689322Z",...}
 *   control {"T":"success","msg":"connected"|"authenticated"}, {"T":"subscription",...},
 *           {"T":"error","code":402,"msg":"auth failed"}
 *
 * Numbers for prices and sizes; RFC 3339 times with nanoseconds, kept to the ms in the tick
 * (the payload keeps the full string for ordering within a ms). Quotes have no id: their
 * sourceId is `~AAPL|q|<t as sent>|<bp>|<bs>|<ap>|<as>`; trades use `AAPL:t:<i>`.
 * Subscribing is refused before authentication, hence afterAuthMessages.
 */

const NAME = 'alpaca';

/**
 * Error codes that retrying with the same credentials cannot fix (Alpaca's documented list):
 * 401 not authenticated (a subscribe sent before auth succeeded), 402 auth failed, 404 auth
 * timeout (no auth within 10 s, e.g. no credentials configured) and 409 insufficient
 * subscription (the key's plan does not include this feed). 403 "already authenticated" is
 * harmless; 400, 405–407, 410 and 500 are errors of one request or connection.
 */
const AUTH_FAILURE_CODES: ReadonlySet<unknown> = new Set([401, 402, 404, 409]);

const tradeSchema = z.object({
  S: symbol('symbol S'),
  i: id('trade id i'),
  t: rfc3339Time('time t'),
  p: decimal('price p', { type: 'number', sign: 'positive' }),
  s: decimal('size s', { type: 'number', sign: 'nonNegative' }),
});

const quoteSchema = z.object({
  S: symbol('symbol S'),
  t: rfc3339Time('time t'),
  bp: decimal('bid bp', { type: 'number', sign: 'positive' }),
  bs: decimal('bid size bs', { type: 'number', sign: 'nonNegative' }),
  ap: decimal('ask ap', { type: 'number', sign: 'positive' }),
  as: decimal('ask size as', { type: 'number', sign: 'nonNegative' }),
});

function sourceIdOf(m: Record<string, unknown>): string {
  if (m.T === 't') return prefixedId(m.S, 't', m.i);
  if (m.T === 'q') return contentKey(m.S, 'q', m.t, m.bp, m.bs, m.ap, m.as);
  return '';
}

/** `trades: AAPL,MSFT; quotes: AAPL` from a subscription message. */
function describeSubscription(m: Record<string, unknown>): string {
  return Object.entries(m)
    .filter(([k, v]) => k !== 'T' && Array.isArray(v) && v.length > 0)
    .map(([k, v]) => `${k}: ${(v as unknown[]).join(',')}`)
    .join('; ');
}

function control(m: Record<string, unknown>): ControlMessage | undefined {
  const msg = typeof m.msg === 'string' ? m.msg : '';
  switch (m.T) {
    case 'success':
      if (msg === 'connected') return { kind: 'connected', message: msg };
      if (msg === 'authenticated') return { kind: 'authenticated', message: msg };
      return { kind: 'ack', message: msg };
    case 'subscription':
      return { kind: 'subscribed', message: describeSubscription(m) };
    case 'error':
      return {
        kind: AUTH_FAILURE_CODES.has(m.code) ? 'auth_failed' : 'error',
        message: `${String(m.code)} ${msg}`.trim(),
      };
  }
  return undefined;
}

/** Alpaca market data v2 trades and quotes. */
export const alpacaAdapter: FeedAdapter = {
  name: NAME,
  transport: 'ws',

  parseFrame(frame: string): ParsedFrame {
    return parseArrayFrame(frame, control, sourceIdOf, 'S');
  },

  normalize: normalizer({
    source: NAME,
    read: readObject,
    typeField: 'T',
    rules: {
      t: rule(tradeSchema, 'trade', (t, m) => ({
        ticker: t.S,
        ts: t.t,
        seq: sourceIdOf(m),
        price: t.p,
        size: t.s,
      })),
      q: rule(quoteSchema, 'quote', (q, m) => ({
        ticker: q.S,
        ts: q.t,
        seq: sourceIdOf(m),
        price: midPrice(q.bp, q.ap),
        bid: q.bp,
        ask: q.ap,
      })),
    },
  }),

  /**
   * Always sends the auth message, with empty strings when no credentials are configured:
   * Alpaca then answers 402 and the feed fails as an authentication error at once.
   */
  openingMessages({ credentials }) {
    return [
      JSON.stringify({
        action: 'auth',
        key: credentials?.key ?? '',
        secret: credentials?.secret ?? '',
      }),
    ];
  },

  afterAuthMessages({ symbols }) {
    if (!symbols || symbols.length === 0) return [];
    return [JSON.stringify({ action: 'subscribe', trades: [...symbols], quotes: [...symbols] })];
  },
};
