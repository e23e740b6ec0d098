import { z } from 'zod';
import { midPrice } from '../decimal';
import { emptyFrame, type FeedAdapter, type ParsedFrame } from './adapter';
import {
  decimal,
  id,
  isRecord,
  msTime,
  normalizer,
  parseJson,
  prefixedId,
  readObject,
  rule,
  symbol,
  symbolText,
} from './parse-helpers';

/**
 * Binance Spot WebSocket streams `<symbol>@trade` and `<symbol>@bookTicker`, as raw frames or
 * wrapped by the combined endpoint (`{"stream":"btcusdt@trade","data":{...}}`; the event's
 * payload is then `data` alone).
 *
 *   trade      {"e":"trade","E":1700000000123,"s":"BTCUSDT","t":3280991001,"p":"37215.42",
 *               "q":"0.0125","T":1700000000120,"m":false,"M":true}
 *   bookTicker {"u":40090021712,"s":"BTCUSDT","b":"37215.40","B":"1.21","a":"37215.42","A":"0.66"}
 *
 * Prices and sizes are strings. A trade's time is `T` (trade time), not `E` (when the stream
 * sent it); a bookTicker has no time, so the receive time stands in. Unknown keys are
 * accepted: Binance adds and removes fields (`b`/`a` left the trade stream in 2024).
 * sourceIds: trade `BTCUSDT:t:<t>`, bookTicker `BTCUSDT:u:<u>` (update id).
 */

const NAME = 'binance';

const tradeSchema = z.object({
  s: symbol('symbol s'),
  t: id('trade id t'),
  T: msTime('trade time T'),
  p: decimal('price p', { type: 'string', sign: 'positive' }),
  q: decimal('size q', { type: 'string', sign: 'nonNegative' }),
});

const bookTickerSchema = z.object({
  s: symbol('symbol s'),
  u: id('update id u'),
  b: decimal('bid b', { type: 'string', sign: 'positive' }),
  B: decimal('bid size B', { type: 'string', sign: 'nonNegative' }),
  a: decimal('ask a', { type: 'string', sign: 'positive' }),
  A: decimal('ask size A', { type: 'string', sign: 'nonNegative' }),
});

type Kind = 'trade' | 'bookTicker';

/** Spot bookTicker events carry no `e`; the futures variant says `bookTicker`. */
function kindOf(m: Record<string, unknown>): Kind | undefined {
  if (m.e === 'trade') return 'trade';
  if ((m.e === undefined || m.e === 'bookTicker') && 'u' in m && 'b' in m && 'a' in m)
    return 'bookTicker';
  return undefined;
}

function sourceIdOf(kind: Kind | undefined, m: Record<string, unknown>): string {
  if (kind === 'trade') return prefixedId(m.s, 't', m.t);
  if (kind === 'bookTicker') return prefixedId(m.s, 'u', m.u);
  return '';
}

function addMessage(out: ParsedFrame, m: unknown, payload: string | undefined): void {
  if (!isRecord(m)) {
    out.events.push({ sourceId: '', payload: payload ?? JSON.stringify(m) });
    return;
  }
  if ('id' in m && ('result' in m || 'error' in m)) {
    // Answers to our SUBSCRIBE requests.
    if (m.error === undefined) {
      out.controls.push({ kind: 'ack', message: `id ${JSON.stringify(m.id)}` });
    } else {
      const e = isRecord(m.error) ? m.error : {};
      const text = `${JSON.stringify(e.code ?? null)} ${typeof e.msg === 'string' ? e.msg : ''}`;
      out.controls.push({ kind: 'error', message: text.trim() });
    }
    return;
  }
  if (typeof m.stream === 'string' && 'data' in m) {
    if (Array.isArray(m.data)) for (const d of m.data) addMessage(out, d, undefined);
    else addMessage(out, m.data, undefined);
    return;
  }
  const kind = kindOf(m);
  out.events.push({
    sourceId: sourceIdOf(kind, m),
    ...(kind && { symbol: symbolText(m.s) }),
    payload: payload ?? JSON.stringify(m),
  });
}

/** Binance Spot trade and bookTicker streams. */
export const binanceAdapter: FeedAdapter = {
  name: NAME,
  transport: 'ws',

  parseFrame(frame: string): ParsedFrame {
    const out = emptyFrame();
    const parsed = parseJson(frame);
    if (!parsed.ok) {
      out.errors.push({ reason: parsed.reason, payload: frame });
    } else if (Array.isArray(parsed.value)) {
      for (const m of parsed.value) addMessage(out, m, undefined);
    } else {
      // A raw frame is one event: store the provider's own text rather than re-serializing.
      addMessage(out, parsed.value, frame);
    }
    return out;
  },

  normalize: normalizer({
    source: NAME,
    read: readObject,
    typeField: 'e',
    kindOf,
    rules: {
      trade: rule(tradeSchema, 'trade', (t, m) => ({
        ticker: t.s,
        ts: t.T,
        seq: sourceIdOf('trade', m),
        price: t.p,
        size: t.q,
      })),
      bookTicker: rule(bookTickerSchema, 'quote', (q, m, ctx) => ({
        ticker: q.s,
        ts: ctx.recvTs,
        seq: sourceIdOf('bookTicker', m),
        price: midPrice(q.b, q.a),
        bid: q.b,
        ask: q.a,
      })),
    },
  }),

  openingMessages({ symbols }) {
    if (!symbols || symbols.length === 0) return [];
    const params = symbols.flatMap((s) => {
      const lower = s.toLowerCase();
      return [`${lower}@trade`, `${lower}@bookTicker`];
    });
    return [JSON.stringify({ method: 'SUBSCRIBE', params, id: 1 })];
  },
};
