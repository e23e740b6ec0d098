import { z } from 'zod';
import { midPrice } from '../decimal';
import { emptyFrame, type FeedAdapter, type ParsedFrame } from './adapter';
import {
  decimal,
  firstIssue,
  isRecord,
  normalizer,
  readObject,
  rule,
  symbol,
  symbolText,
} from './parse-helpers';

/**
 * fin-line's own market simulator speaks this format. Every frame is a JSON array of messages
 * (like Alpaca's), so one frame can carry many events at high rates.
 *
 *   trade  {"T":"t","S":"AAPL","p":189.71,"s":100,"t":1700000000000,"i":123}
 *   quote  {"T":"q","S":"AAPL","bp":189.70,"bs":3,"ap":189.72,"as":4,"t":1700000000000,"i":124}
 *   status {"T":"status","msg":"connected"}
 *
 * `i` is a feed-wide sequence number, strictly increasing across all connections of one
 * simulator process. A client filters by connecting with `?symbols=AAPL,MSFT` (from the first
 * frame) or by sending {"action":"subscribe","symbols":["AAPL"]} (from its ack on).
 */
export interface SimTrade {
  T: 't';
  S: string;
  p: number;
  s: number;
  t: number;
  i: number;
}
export interface SimQuote {
  T: 'q';
  S: string;
  bp: number;
  bs: number;
  ap: number;
  as: number;
  t: number;
  i: number;
}
export interface SimStatus {
  T: 'status';
  msg: string;
}
export type SimMessage = SimTrade | SimQuote | SimStatus;

export interface SimSubscribe {
  action: 'subscribe';
  symbols: string[];
}

const fixed = (message: string) => ({ error: message });

// The reasons are fixed texts (no values): they predate the other adapters and tests pin them.
const baseSchema = z.object({
  // Missing or empty keeps its fixed reason; a symbol that breaks the ticker rule says why.
  S: symbol('symbol S', { missingMessage: 'missing symbol S' }),
  t: z
    .number(fixed('invalid timestamp t'))
    .int(fixed('invalid timestamp t'))
    .positive(fixed('invalid timestamp t')),
});

const tradeSchema = baseSchema.extend({
  p: decimal('price p', { sign: 'positive', message: 'invalid price p' }),
  s: decimal('size s', { sign: 'nonNegative', message: 'invalid size s' }),
});

/** Quote sizes are not part of a tick, so they are not checked. */
const quoteSchema = baseSchema.extend({
  bp: decimal('bid bp', { sign: 'positive', message: 'invalid bid bp' }),
  ap: decimal('ask ap', { sign: 'positive', message: 'invalid ask ap' }),
});

function sequenceOf(m: Record<string, unknown>): string {
  return typeof m.i === 'number' || typeof m.i === 'string' ? String(m.i) : '';
}

/** fin-line's own market simulator (format above). */
export const simulatorAdapter: FeedAdapter = {
  name: 'simulator',
  transport: 'ws',

  parseFrame(frame: string): ParsedFrame {
    const out = emptyFrame();
    let parsed: unknown;
    try {
      parsed = JSON.parse(frame);
    } catch (err) {
      out.errors.push({ reason: `invalid JSON: ${(err as Error).message}`, payload: frame });
      return out;
    }
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    for (const m of messages) {
      if (isRecord(m) && (m.T === 't' || m.T === 'q')) {
        out.events.push({
          sourceId: typeof m.i === 'number' || typeof m.i === 'string' ? String(m.i) : '',
          symbol: symbolText(m.S),
          payload: JSON.stringify(m),
        });
      } else if (isRecord(m) && m.T === 'status') {
        out.controls.push({ kind: 'connected', message: typeof m.msg === 'string' ? m.msg : '' });
      } else {
        // Unknown messages are data we do not understand: keep them for the dead-letter stream.
        out.events.push({ sourceId: '', payload: JSON.stringify(m) });
      }
    }
    return out;
  },

  normalize: normalizer({
    source: 'simulator',
    read: (payload) => readObject(payload, 'invalid JSON'),
    typeField: 'T',
    rules: {
      t: rule(tradeSchema, 'trade', ({ S, t, p, s }, m) => ({
        ticker: S,
        ts: t,
        seq: sequenceOf(m),
        price: p,
        size: s,
      })),
      q: rule(quoteSchema, 'quote', ({ S, t, bp, ap }, m) => ({
        ticker: S,
        ts: t,
        seq: sequenceOf(m),
        price: midPrice(bp, ap),
        bid: bp,
        ask: ap,
      })),
    },
    // Symbol and time are checked first for every message, as before the schemas.
    unknown(m) {
      const r = baseSchema.safeParse(m);
      return r.success ? `unknown message type ${JSON.stringify(m.T)}` : firstIssue(r.error);
    },
  }),

  // Symbols in the URL filter from the first frame; the subscribe message alone would let the
  // frames sent before it arrives through unfiltered.
  connectUrl(url, { symbols }) {
    if (!symbols || symbols.length === 0) return url;
    try {
      const u = new URL(url);
      u.searchParams.set('symbols', symbols.join(','));
      return u.toString();
    } catch {
      return url;
    }
  },

  openingMessages({ symbols }) {
    if (!symbols || symbols.length === 0) return [];
    const sub: SimSubscribe = { action: 'subscribe', symbols: [...symbols] };
    return [JSON.stringify(sub)];
  },
};
