import { loadConfig } from '../../../../lib/config';
import { normalizeRaw, simulatorAdapter } from '../../../../lib/domain';

const sectors = new Map([['AAPL', 'Technology']]);
const ctx = { feed: 'sim', sectors, recvTs: 1_700_000_000_000 };

describe('simulator adapter', () => {
  it('splits a frame into events, keeping each payload and sequence', () => {
    const frame =
      '[{"T":"t","S":"AAPL","p":189.71,"s":100,"t":1700000000000,"i":7},{"T":"q","S":"AAPL","bp":189.7,"bs":3,"ap":189.72,"as":4,"t":1700000000001,"i":8}]';
    const out = simulatorAdapter.parseFrame(frame);
    expect(out.errors).toEqual([]);
    expect(out.events.map((e) => e.sourceId)).toEqual(['7', '8']);
    expect(JSON.parse(out.events[0]!.payload)).toMatchObject({ T: 't', p: 189.71 });
  });

  it('treats status messages as control, not data', () => {
    const out = simulatorAdapter.parseFrame('[{"T":"status","msg":"connected"}]');
    expect(out.events).toEqual([]);
    expect(out.controls).toEqual([{ kind: 'connected', message: 'connected' }]);
  });

  it('keeps an unparseable frame for the dead-letter stream', () => {
    const out = simulatorAdapter.parseFrame('[{"T":"t",');
    expect(out.events).toEqual([]);
    expect(out.errors[0]).toMatchObject({ payload: '[{"T":"t",' });
    expect(out.errors[0]!.reason).toMatch(/invalid JSON/);
  });

  it('normalizes a trade and a quote (mid price, exact)', () => {
    const t = simulatorAdapter.normalize(
      '{"T":"t","S":"aapl","p":189.71,"s":100,"t":1700000000000,"i":7}',
      ctx,
    );
    expect(t).toEqual({
      ok: true,
      tick: {
        ticker: 'AAPL',
        kind: 'trade',
        price: '189.71',
        size: '100',
        ts: 1700000000000,
        sector: 'Technology',
        source: 'simulator',
        feed: 'sim',
        seq: '7',
      },
    });
    const q = simulatorAdapter.normalize(
      '{"T":"q","S":"MSFT","bp":369.66,"bs":2,"ap":369.68,"as":3,"t":1700000000001,"i":8}',
      ctx,
    );
    expect(q).toMatchObject({
      ok: true,
      tick: { kind: 'quote', price: '369.67', bid: '369.66', ask: '369.68', sector: 'Unknown' },
    });
  });

  it.each([
    ['{"T":"t","S":"AAPL","p":-1,"s":1,"t":1700000000000}', 'invalid price p'],
    ['{"T":"t","S":"AAPL","p":"abc","s":1,"t":1700000000000}', 'invalid price p'],
    ['{"T":"t","S":"AAPL","p":1,"s":-1,"t":1700000000000}', 'invalid size s'],
    ['{"T":"t","p":1,"s":1,"t":1700000000000}', 'missing symbol S'],
    ['{"T":"t","S":"AAPL","p":1,"s":1,"t":"yesterday"}', 'invalid timestamp t'],
    ['{"T":"q","S":"AAPL","bp":0,"ap":1,"t":1700000000000}', 'invalid bid bp'],
    ['{"T":"x","S":"AAPL","t":1700000000000}', 'unknown message type "x"'],
    ['{"S":"AAPL","t":1700000000000}', 'unknown message type undefined'],
    ['{"T":"x","t":1700000000000}', 'missing symbol S'],
    ['{"T":"t","S":"","p":1,"s":1,"t":1700000000000}', 'missing symbol S'],
    ['{"T":"t","S":7,"p":1,"s":1,"t":1700000000000}', 'missing symbol S'],
    ['{"T":"t","S":"AAPL","p":1,"s":1,"t":0}', 'invalid timestamp t'],
    ['{"T":"t","S":"AAPL","p":1,"s":1,"t":1.5}', 'invalid timestamp t'],
    ['{"T":"t","S":"AAPL","p":1,"t":1700000000000}', 'invalid size s'],
    ['{"T":"q","S":"AAPL","bp":1,"ap":"x","t":1700000000000}', 'invalid ask ap'],
    ['[1,2]', 'not an object'],
    ['{oops', 'invalid JSON'],
  ])('rejects %s: %s', (payload, reason) => {
    expect(simulatorAdapter.normalize(payload, ctx)).toEqual({ ok: false, reason });
  });

  it('accepts prices as strings or numbers and keeps any sequence i as text', () => {
    expect(
      simulatorAdapter.normalize(
        '{"T":"t","S":"AAPL","p":"189.710","s":"0","t":1700000000000,"i":"x1"}',
        ctx,
      ),
    ).toMatchObject({ ok: true, tick: { price: '189.71', size: '0', seq: 'x1' } });
    expect(
      simulatorAdapter.normalize('{"T":"q","S":"AAPL","bp":2,"ap":1,"t":1700000000000}', ctx),
    ).toMatchObject({ ok: true, tick: { price: '1.5', bid: '2', ask: '1', seq: '' } });
  });

  it('sends a subscribe message only when symbols are given', () => {
    expect(simulatorAdapter.openingMessages({})).toEqual([]);
    expect(JSON.parse(simulatorAdapter.openingMessages({ symbols: ['AAPL'] })[0]!)).toEqual({
      action: 'subscribe',
      symbols: ['AAPL'],
    });
  });
});

describe('normalizeRaw', () => {
  const limits = loadConfig({}).normalize;
  const base = { feed: 'sim', adapter: 'simulator', recvTs: 1, sourceId: '' };
  it('dead-letters frames the adapter could not parse and unknown adapters', () => {
    expect(
      normalizeRaw({ ...base, payload: 'x', parseError: 'invalid JSON' }, { sectors, limits }),
    ).toEqual({ ok: false, reason: 'unparseable frame: invalid JSON' });
    expect(normalizeRaw({ ...base, adapter: 'nope', payload: '{}' }, { sectors, limits })).toEqual({
      ok: false,
      reason: 'unknown adapter "nope"',
    });
  });
});
