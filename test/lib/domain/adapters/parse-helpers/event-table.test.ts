import { z } from 'zod';
import type { NormalizeContext } from '../../../../../lib/domain/adapters/adapter';
import {
  normalizer,
  rule,
  unknownTypeReason,
} from '../../../../../lib/domain/adapters/parse-helpers/event-table';
import { decimal, symbol } from '../../../../../lib/domain/adapters/parse-helpers/fields';
import { readObject } from '../../../../../lib/domain/adapters/parse-helpers/json';

const ctx: NormalizeContext = { feed: 'f', sectors: new Map([['AAPL', 'Tech']]), recvTs: 42 };

const tradeSchema = z.object({
  s: symbol('symbol s'),
  p: decimal('price p', { type: 'number', sign: 'positive' }),
});
const trade = rule(tradeSchema, 'trade', (t, m, c) => ({
  ticker: t.s,
  ts: c.recvTs,
  seq: String(m.id),
  price: t.p,
}));

const byField = normalizer({
  source: 'toy',
  read: readObject,
  typeField: 'k',
  rules: { t: trade, trade },
});

describe('normalizer', () => {
  it('picks the rule by the type field and maps the parsed fields', () => {
    const tick = { ticker: 'AAPL', kind: 'trade', price: '1.5', ts: 42, sector: 'Tech' };
    expect(byField('{"k":"t","s":"aapl","p":1.50,"id":7}', ctx)).toEqual({
      ok: true,
      tick: { ...tick, source: 'toy', feed: 'f', seq: '7' },
    });
    expect(byField('{"k":"trade","s":"aapl","p":1.5,"id":8}', ctx)).toMatchObject({ ok: true });
  });

  it('rejects with the reader reason, the first schema issue, or the type field', () => {
    expect(byField('[1]', ctx)).toEqual({ ok: false, reason: 'not an object' });
    expect(byField('{"k":"t","p":0}', ctx)).toEqual({ ok: false, reason: 'missing symbol s' });
    expect(byField('{"s":"A"}', ctx)).toEqual({ ok: false, reason: 'missing message type k' });
    expect(byField('{"k":"q"}', ctx)).toEqual({ ok: false, reason: 'unknown message type "q"' });
  });

  it('finds no rule for names of Object.prototype', () => {
    for (const k of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      expect(byField(JSON.stringify({ k, s: 'A', p: 1 }), ctx)).toEqual({
        ok: false,
        reason: unknownTypeReason(k, 'k'),
      });
    }
  });

  it('reads kinds by shape with its own unknown reason', () => {
    const byShape = normalizer({
      source: 'toy',
      read: readObject,
      kindOf: (m) => ('p' in m ? 'trade' : undefined),
      unknown: (m) => `no price among ${Object.keys(m).join(',')}`,
      rules: { trade },
    });
    expect(byShape('{"s":"A","p":2,"id":1}', ctx)).toMatchObject({ ok: true, tick: { seq: '1' } });
    expect(byShape('{"s":"A"}', ctx)).toEqual({ ok: false, reason: 'no price among s' });
  });
});
