import { z } from 'zod';
import { midPrice } from '../decimal';
import { type ControlMessage, type FeedAdapter, type ParsedFrame } from './adapter';
import {
  decimal,
  id,
  msTime,
  normalizer,
  parseArrayFrame,
  prefixedId,
  readObject,
  rule,
  symbol,
} from './parse-helpers';

/**
 * Polygon.io stocks WebSocket. Every frame is an array of messages:
 *
 *   trade  {"ev":"T","sym":"MSFT","i":"52983525029461","p":369.67,"s":100,
 *           "t":1700000000800,"q":1063,...}
 *   quote  {"ev":"Q","sym":"MSFT","bp":369.66,"bs":2,"ap":369.68,"as":3,
 *           "t":1700000000810,"q":50385480,...}
 *   status {"ev":"status","status":"connected"|"auth_success"|"auth_failed"|"success",
 *           "message":"..."}
 *
 * Numbers for prices and sizes, `t` in ms. The trade id `i` is a string (it outgrows a double).
 * sourceIds: trade `MSFT:T:<i>`, quote `MSFT:Q:<q>` (the per-ticker sequence number).
 * Subscribing is refused before `auth_success`, hence afterAuthMessages.
 */

const NAME = 'polygon';

const tradeSchema = z.object({
  sym: symbol('symbol sym'),
  i: id('trade id i'),
  t: msTime('time t'),
  p: decimal('price p', { type: 'number', sign: 'positive' }),
  s: decimal('size s', { type: 'number', sign: 'nonNegative' }),
});

const quoteSchema = z.object({
  sym: symbol('symbol sym'),
  q: id('sequence q'),
  t: msTime('time t'),
  bp: decimal('bid bp', { type: 'number', sign: 'positive' }),
  bs: decimal('bid size bs', { type: 'number', sign: 'nonNegative' }),
  ap: decimal('ask ap', { type: 'number', sign: 'positive' }),
  as: decimal('ask size as', { type: 'number', sign: 'nonNegative' }),
});

function sourceIdOf(m: Record<string, unknown>): string {
  if (m.ev === 'T') return prefixedId(m.sym, 'T', m.i);
  if (m.ev === 'Q') return prefixedId(m.sym, 'Q', m.q);
  return '';
}

const STATUS_KINDS: ReadonlyMap<unknown, ControlMessage['kind']> = new Map([
  ['connected', 'connected'],
  ['auth_success', 'authenticated'],
  ['auth_failed', 'auth_failed'],
  ['success', 'subscribed'],
] as const);

function control(m: Record<string, unknown>): ControlMessage | undefined {
  if (m.ev !== 'status') return undefined;
  const message = typeof m.message === 'string' ? m.message : String(m.status);
  return { kind: STATUS_KINDS.get(m.status) ?? 'error', message };
}

/** Polygon.io stocks trades and quotes. */
export const polygonAdapter: FeedAdapter = {
  name: NAME,
  transport: 'ws',

  parseFrame(frame: string): ParsedFrame {
    return parseArrayFrame(frame, control, sourceIdOf, 'sym');
  },

  normalize: normalizer({
    source: NAME,
    read: readObject,
    typeField: 'ev',
    rules: {
      T: rule(tradeSchema, 'trade', (t, m) => ({
        ticker: t.sym,
        ts: t.t,
        seq: sourceIdOf(m),
        price: t.p,
        size: t.s,
      })),
      Q: rule(quoteSchema, 'quote', (q, m) => ({
        ticker: q.sym,
        ts: q.t,
        seq: sourceIdOf(m),
        price: midPrice(q.bp, q.ap),
        bid: q.bp,
        ask: q.ap,
      })),
    },
  }),

  /**
   * Always sends the auth message (`key`, else `token`; empty when neither is configured, so
   * Polygon answers auth_failed and the feed fails as an authentication error at once).
   */
  openingMessages({ credentials }) {
    const params = credentials?.key ?? credentials?.token ?? '';
    return [JSON.stringify({ action: 'auth', params })];
  },

  afterAuthMessages({ symbols }) {
    if (!symbols || symbols.length === 0) return [];
    const params = symbols.flatMap((s) => [`T.${s}`, `Q.${s}`]).join(',');
    return [JSON.stringify({ action: 'subscribe', params })];
  },
};
