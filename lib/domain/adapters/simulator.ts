import { canonicalDecimal, isPositive, midPrice } from '../decimal';
import {
  UNKNOWN_SECTOR,
  emptyFrame,
  type FeedAdapter,
  type NormalizeOutcome,
  type ParsedFrame,
} from './adapter';

/**
 * fin-line's own market simulator speaks this format. Every frame is a JSON array of messages
 * (like Alpaca's), so one frame can carry many events at high rates.
 *
 *   trade  {"T":"t","S":"AAPL","p":189.71,"s":100,"t":1700000000000,"i":123}
 *   quote  {"T":"q","S":"AAPL","bp":189.70,"bs":3,"ap":189.72,"as":4,"t":1700000000000,"i":124}
 *   status {"T":"status","msg":"connected"}
 *
 * `i` is a feed-wide sequence number, strictly increasing across all connections of one
 * simulator process. A client may send {"action":"subscribe","symbols":["AAPL"]} to filter.
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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

  normalize(payload, ctx): NormalizeOutcome {
    let m: unknown;
    try {
      m = JSON.parse(payload);
    } catch {
      return { ok: false, reason: 'invalid JSON' };
    }
    if (!isRecord(m)) return { ok: false, reason: 'not an object' };
    if (typeof m.S !== 'string' || m.S === '') return { ok: false, reason: 'missing symbol S' };
    if (typeof m.t !== 'number' || !Number.isInteger(m.t) || m.t <= 0) {
      return { ok: false, reason: 'invalid timestamp t' };
    }
    const ticker = m.S.toUpperCase();
    const base = {
      ticker,
      ts: m.t,
      sector: ctx.sectors.get(ticker) ?? UNKNOWN_SECTOR,
      source: 'simulator',
      feed: ctx.feed,
      seq: typeof m.i === 'number' || typeof m.i === 'string' ? String(m.i) : '',
    };
    if (m.T === 't') {
      const price = canonicalDecimal(m.p);
      if (price === undefined || !isPositive(price))
        return { ok: false, reason: 'invalid price p' };
      const size = canonicalDecimal(m.s);
      if (size === undefined || size.startsWith('-'))
        return { ok: false, reason: 'invalid size s' };
      return { ok: true, tick: { ...base, kind: 'trade', price, size } };
    }
    if (m.T === 'q') {
      const bid = canonicalDecimal(m.bp);
      const ask = canonicalDecimal(m.ap);
      if (bid === undefined || !isPositive(bid)) return { ok: false, reason: 'invalid bid bp' };
      if (ask === undefined || !isPositive(ask)) return { ok: false, reason: 'invalid ask ap' };
      return { ok: true, tick: { ...base, kind: 'quote', price: midPrice(bid, ask), bid, ask } };
    }
    return { ok: false, reason: `unknown message type ${JSON.stringify(m.T)}` };
  },

  openingMessages({ symbols }) {
    if (!symbols || symbols.length === 0) return [];
    const sub: SimSubscribe = { action: 'subscribe', symbols: [...symbols] };
    return [JSON.stringify(sub)];
  },
};
