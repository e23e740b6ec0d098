import { z } from 'zod';
import { emptyFrame, type FeedAdapter, type ParsedFrame } from './adapter';
import {
  contentKey,
  decimal,
  isRecord,
  msTime,
  normalizer,
  parseJson,
  readObject,
  rule,
  symbol,
  unknownTypeReason,
  symbolText,
} from './parse-helpers';

/**
 * Finnhub WebSocket trades.
 *
 *   {"type":"trade","data":[{"s":"AAPL","p":189.71,"t":1700000000500,"v":100,"c":null},...]}
 *   {"type":"ping"}            {"type":"error","msg":"Subscribing to too many symbols"}
 *
 * One frame carries several trades; each element of `data` is one event (re-serialized).
 * Prices and volumes are JSON numbers, `t` is in ms. Symbols keep their exchange prefix
 * (`BINANCE:BTCUSDT`), uppercased: the prefix is what tells a crypto pair from a stock, so
 * reference data (sectors) is keyed by the prefixed name too. Finnhub has no trade ids: the
 * sourceId is the content key `~AAPL|<t>|<p>|<v>`, so two trades identical in symbol, time,
 * price and volume count as one.
 */

const NAME = 'finnhub';

const tradeSchema = z.object({
  s: symbol('symbol s'),
  t: msTime('time t'),
  p: decimal('price p', { type: 'number', sign: 'positive' }),
  v: decimal('volume v', { type: 'number', sign: 'nonNegative' }),
});

function sourceIdOf(m: Record<string, unknown>): string {
  return contentKey(m.s, m.t, m.p, m.v);
}

function addMessage(out: ParsedFrame, m: unknown, payload: string | undefined): void {
  if (isRecord(m)) {
    if (m.type === 'trade' && Array.isArray(m.data)) {
      for (const t of m.data) {
        out.events.push({
          sourceId: isRecord(t) ? sourceIdOf(t) : '',
          symbol: isRecord(t) ? symbolText(t.s) : undefined,
          payload: JSON.stringify(t),
        });
      }
      return;
    }
    if (m.type === 'ping') {
      out.controls.push({ kind: 'ping', message: '' });
      return;
    }
    if (m.type === 'error') {
      out.controls.push({ kind: 'error', message: typeof m.msg === 'string' ? m.msg : '' });
      return;
    }
  }
  out.events.push({ sourceId: '', payload: payload ?? JSON.stringify(m) });
}

/** Finnhub trade stream. */
export const finnhubAdapter: FeedAdapter = {
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
    // Events are elements of `data`; a whole message here is one parseFrame could not split.
    kindOf: (m) => ('type' in m ? undefined : 'trade'),
    unknown: (m) =>
      m.type === 'trade' ? 'trade message without a data array' : unknownTypeReason(m.type, 'type'),
    rules: {
      trade: rule(tradeSchema, 'trade', (t, m) => ({
        ticker: t.s,
        ts: t.t,
        seq: sourceIdOf(m),
        price: t.p,
        size: t.v,
      })),
    },
  }),

  connectUrl(url, { credentials }) {
    const token = credentials?.token;
    if (token === undefined || token === '') return url;
    try {
      const u = new URL(url);
      u.searchParams.set('token', token);
      return u.toString();
    } catch {
      // Not a URL the WHATWG parser takes: append, and let the connection report the problem.
      const hash = url.indexOf('#');
      const [base, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
      const sep = base.includes('?') ? (/[?&]$/.test(base) ? '' : '&') : '?';
      return `${base}${sep}token=${encodeURIComponent(token)}${fragment}`;
    }
  },

  openingMessages({ symbols }) {
    return (symbols ?? []).map((s) => JSON.stringify({ type: 'subscribe', symbol: s }));
  },
};
