import { findAdapter, polygonAdapter as adapter } from '../../../../lib/domain';

const ctx = { feed: 'pg', sectors: new Map([['MSFT', 'Technology']]), recvTs: 1 };
const base = { source: 'polygon', feed: 'pg', ticker: 'MSFT', sector: 'Technology' };

// Verbatim from the provider sample (shared/feeds/polygon.ndjson).
const SAMPLE = [
  '[{"ev":"status","status":"connected","message":"Connected Successfully"}]',
  '[{"ev":"status","status":"auth_success","message":"authenticated"}]',
  '[{"ev":"status","status":"success","message":"subscribed to: T.MSFT,Q.MSFT"}]',
  '[{"ev":"T","sym":"MSFT","x":4,"i":"52983525029461","z":3,"p":369.67,"s":100,"c":[0,12],"t":1700000000800,"q":1063}]',
  '[{"ev":"Q","sym":"MSFT","bx":4,"bp":369.66,"bs":2,"ax":7,"ap":369.68,"as":3,"c":0,"i":[604],"t":1700000000810,"q":50385480,"z":3}]',
  '[{"ev":"status","status":"auth_failed","message":"authentication failed"}]',
];

function events(frame: string) {
  return adapter.parseFrame(frame).events.map((e) => ({
    sourceId: e.sourceId,
    result: adapter.normalize(e.payload, ctx),
  }));
}

describe('polygon adapter: sample feed', () => {
  it('classifies status messages as controls', () => {
    const frames = [0, 1, 2, 5].map((i) => adapter.parseFrame(SAMPLE[i]!));
    for (const f of frames) expect(f.events).toEqual([]);
    expect(frames.map((f) => f.controls)).toEqual([
      [{ kind: 'connected', message: 'Connected Successfully' }],
      [{ kind: 'authenticated', message: 'authenticated' }],
      [{ kind: 'subscribed', message: 'subscribed to: T.MSFT,Q.MSFT' }],
      [{ kind: 'auth_failed', message: 'authentication failed' }],
    ]);
  });

  it('normalizes a trade keyed by its string id and a quote keyed by its sequence', () => {
    expect(events(SAMPLE[3]!)).toEqual([
      {
        sourceId: 'MSFT:T:52983525029461',
        result: {
          ok: true,
          tick: {
            ...base,
            kind: 'trade',
            price: '369.67',
            size: '100',
            ts: 1700000000800,
            seq: 'MSFT:T:52983525029461',
          },
        },
      },
    ]);
    expect(events(SAMPLE[4]!)).toEqual([
      {
        sourceId: 'MSFT:Q:50385480',
        result: {
          ok: true,
          tick: {
            ...base,
            kind: 'quote',
            price: '369.67',
            bid: '369.66',
            ask: '369.68',
            ts: 1700000000810,
            seq: 'MSFT:Q:50385480',
          },
        },
      },
    ]);
  });
});

describe('polygon adapter: edge cases', () => {
  it('treats any other status as an error', () => {
    expect(
      adapter.parseFrame(
        '[{"ev":"status","status":"max_connections","message":"Maximum number of connections exceeded."}]',
      ).controls,
    ).toEqual([{ kind: 'error', message: 'Maximum number of connections exceeded.' }]);
    expect(adapter.parseFrame('[{"ev":"status","status":"__proto__"}]').controls).toEqual([
      { kind: 'error', message: '__proto__' },
    ]);
  });

  it('splits a mixed frame, keeping unknown events and a duplicate trade with the same id', () => {
    const trade = SAMPLE[3]!.slice(1, -1);
    const out = adapter.parseFrame(
      `[${trade},{"ev":"AM","sym":"MSFT"},{"ev":"status","status":"success","message":"ok"},${trade}]`,
    );
    expect(out.controls).toEqual([{ kind: 'subscribed', message: 'ok' }]);
    expect(out.events.map((e) => e.sourceId)).toEqual([
      'MSFT:T:52983525029461',
      '',
      'MSFT:T:52983525029461',
    ]);
    expect(adapter.normalize(out.events[1]!.payload, ctx)).toEqual({
      ok: false,
      reason: 'unknown message type "AM"',
    });
  });

  it.each([
    ['{"ev":"T","sym":"MSFT","p":1,"s":1,"t":1700000000800}', 'missing trade id i'],
    ['{"ev":"T","sym":"MSFT","i":"","p":1,"s":1,"t":1700000000800}', 'invalid trade id i: ""'],
    [
      '{"ev":"T","sym":"MSFT","i":"1","p":-2,"s":1,"t":1700000000800}',
      'invalid price p: -2 (must be positive)',
    ],
    [
      '{"ev":"T","sym":"MSFT","i":"1","p":2,"s":1,"t":"1700000000800"}',
      'invalid time t: "1700000000800"',
    ],
    ['{"ev":"Q","sym":"MSFT","bp":1,"bs":1,"ap":2,"as":1,"t":1700000000810}', 'missing sequence q'],
    [
      '{"ev":"Q","sym":"MSFT","q":1,"bp":1,"bs":1,"ap":"2","as":1,"t":1700000000810}',
      'invalid ask ap: "2" (expected a number)',
    ],
    ['{"sym":"MSFT"}', 'missing message type ev'],
  ])('rejects %s', (payload, reason) => {
    expect(adapter.normalize(payload, ctx)).toEqual({ ok: false, reason });
  });

  it('accepts a crossed quote', () => {
    expect(
      adapter.normalize(
        '{"ev":"Q","sym":"msft","q":1,"bp":2,"bs":0,"ap":1,"as":0,"t":1700000000810}',
        ctx,
      ),
    ).toMatchObject({ ok: true, tick: { ticker: 'MSFT', price: '1.5', bid: '2', ask: '1' } });
  });

  it('sends an invalid-JSON frame to errors', () => {
    expect(adapter.parseFrame('[{"ev":"T"')).toEqual({
      events: [],
      controls: [],
      errors: [{ reason: expect.stringMatching(/^invalid JSON/), payload: '[{"ev":"T"' }],
    });
  });

  it('authenticates with the key (else the token) and subscribes after authentication', () => {
    expect(adapter.openingMessages({ credentials: { key: 'K', token: 'T' } })).toEqual([
      '{"action":"auth","params":"K"}',
    ]);
    expect(adapter.openingMessages({ credentials: { token: 'T' } })).toEqual([
      '{"action":"auth","params":"T"}',
    ]);
    expect(adapter.openingMessages({})).toEqual(['{"action":"auth","params":""}']);
    expect(adapter.afterAuthMessages!({ symbols: [] })).toEqual([]);
    expect(adapter.afterAuthMessages!({ symbols: ['MSFT', 'AAPL'] })).toEqual([
      '{"action":"subscribe","params":"T.MSFT,Q.MSFT,T.AAPL,Q.AAPL"}',
    ]);
    expect(findAdapter('polygon')).toBe(adapter);
  });
});
