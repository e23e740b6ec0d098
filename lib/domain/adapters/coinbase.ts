import { z } from 'zod';
import { canonicalDecimal, midPrice } from '../decimal';
import { emptyFrame, type FeedAdapter, type ParsedFrame } from './adapter';
import {
  decimal,
  id,
  isRecord,
  normalizer,
  parseJson,
  prefixedId,
  readObject,
  rfc3339Time,
  rule,
  symbol,
  symbolText,
} from './parse-helpers';

/**
 * Coinbase Exchange WebSocket feed: channels `ticker`, `matches` and `heartbeat`.
 *
 *   ticker {"type":"ticker","sequence":70521318211,"product_id":"BTC-USD","price":"37220.15",
 *           "best_bid":"37220.14","best_ask":"37220.15","time":"2023-11-14T22:13:20.123456Z",
 *           "trade_id":578112300,"last_size":"0.00125",...}
 *   match  {"type":"match","trade_id":578112301,"product_id":"BTC-USD","price":"37220.14",
 *           "size":"0.02","sequence":70521318215,"time":"2023-11-14T22:13:20.223456Z",...}
 *
 * A ticker becomes a quote (mid of best bid and ask, with the last trade's size when valid);
 * `match` and `last_match` (the first message on `matches` after subscribing) become trades.
 * Times are RFC 3339 with µs, kept to the ms. `subscriptions`, `heartbeat` and `error` are
 * control messages. sourceIds: match `BTC-USD:m:<trade_id>`, ticker `BTC-USD:s:<sequence>`.
 */

const NAME = 'coinbase';

const matchSchema = z.object({
  product_id: symbol('symbol product_id'),
  trade_id: id('trade id trade_id'),
  time: rfc3339Time('time'),
  price: decimal('price', { type: 'string', sign: 'positive' }),
  size: decimal('size', { type: 'string', sign: 'nonNegative' }),
});

const tickerSchema = z.object({
  product_id: symbol('symbol product_id'),
  sequence: id('sequence'),
  time: rfc3339Time('time'),
  best_bid: decimal('bid best_bid', { type: 'string', sign: 'positive' }),
  best_ask: decimal('ask best_ask', { type: 'string', sign: 'positive' }),
});

function sourceIdOf(m: Record<string, unknown>): string {
  if (m.type === 'match' || m.type === 'last_match')
    return prefixedId(m.product_id, 'm', m.trade_id);
  if (m.type === 'ticker') return prefixedId(m.product_id, 's', m.sequence);
  return '';
}

/** `match` and `last_match` (the first message on `matches` after subscribing) read alike. */
const matchRule = rule(matchSchema, 'trade', (t, m) => ({
  ticker: t.product_id,
  ts: t.time,
  seq: sourceIdOf(m),
  price: t.price,
  size: t.size,
}));

const tickerRule = rule(tickerSchema, 'quote', (q, m) => ({
  ticker: q.product_id,
  ts: q.time,
  seq: sourceIdOf(m),
  price: midPrice(q.best_bid, q.best_ask),
  bid: q.best_bid,
  ask: q.best_ask,
  size: lastSizeOf(m),
}));

/** The last trade's size rides along when it is readable; a quote is valid without it. */
function lastSizeOf(m: Record<string, unknown>): string | undefined {
  const size = typeof m.last_size === 'string' ? canonicalDecimal(m.last_size) : undefined;
  return size !== undefined && !size.startsWith('-') ? size : undefined;
}

/** `ticker: BTC-USD,ETH-USD; matches: BTC-USD` */
function describeSubscriptions(channels: unknown): string {
  if (!Array.isArray(channels)) return '';
  return channels
    .map((c) => {
      if (typeof c === 'string') return c;
      if (!isRecord(c)) return '';
      const ids = Array.isArray(c.product_ids) ? c.product_ids.join(',') : '';
      return `${String(c.name)}: ${ids}`;
    })
    .join('; ');
}

function addMessage(out: ParsedFrame, m: unknown, payload: string | undefined): void {
  if (isRecord(m)) {
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    switch (m.type) {
      case 'subscriptions':
        out.controls.push({ kind: 'subscribed', message: describeSubscriptions(m.channels) });
        return;
      case 'heartbeat':
        // last_trade_id reveals trades the matches channel dropped.
        out.controls.push({
          kind: 'heartbeat',
          message: `${text(m.product_id)} last_trade_id ${String(m.last_trade_id)}`,
        });
        return;
      case 'error':
        out.controls.push({
          kind: 'error',
          message: [text(m.message), text(m.reason)].filter(Boolean).join(': '),
        });
        return;
    }
  }
  out.events.push({
    sourceId: isRecord(m) ? sourceIdOf(m) : '',
    symbol: isRecord(m) ? symbolText(m.product_id) : undefined,
    payload: payload ?? JSON.stringify(m),
  });
}

/** Coinbase Exchange ticker and matches channels. */
export const coinbaseAdapter: FeedAdapter = {
  name: NAME,
  transport: 'ws',

  parseFrame(frame: string): ParsedFrame {
    const out = emptyFrame();
    const parsed = parseJson(frame);
    if (!parsed.ok) out.errors.push({ reason: parsed.reason, payload: frame });
    else if (Array.isArray(parsed.value))
      for (const m of parsed.value) addMessage(out, m, undefined);
    else addMessage(out, parsed.value, frame);
    return out;
  },

  normalize: normalizer({
    source: NAME,
    read: readObject,
    typeField: 'type',
    rules: { match: matchRule, last_match: matchRule, ticker: tickerRule },
  }),

  openingMessages({ symbols }) {
    if (!symbols || symbols.length === 0) return [];
    return [
      JSON.stringify({
        type: 'subscribe',
        product_ids: [...symbols],
        channels: ['ticker', 'matches', 'heartbeat'],
      }),
    ];
  },
};
