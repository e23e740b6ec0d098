import { loadConfig } from '../../../lib/config';
import {
  normalizeRaw,
  tickLimitIssue,
  type InputLimits,
  type NormalizedTick,
} from '../../../lib/domain';

const DEFAULTS: InputLimits = loadConfig({}).normalize;
const SMALL: InputLimits = { maxPrice: 1000, maxSize: 50, maxDigits: 6, maxFractionDigits: 4 };

const trade = (f: Partial<NormalizedTick>): NormalizedTick => ({
  ticker: 'AAPL',
  kind: 'trade',
  price: '189.71',
  size: '1',
  ts: 1_700_000_000_000,
  sector: 'Technology',
  source: 'simulator',
  feed: 'sim',
  seq: '1',
  ...f,
});

const quote = (bid: string, ask: string): NormalizedTick =>
  trade({ kind: 'quote', bid, ask, price: '1', size: undefined });

describe('input limits of a normalized tick', () => {
  it('lets real instruments through with the default limits', () => {
    for (const t of [
      trade({ ticker: 'BRK.A', price: '742000.5', size: '3' }),
      trade({ ticker: 'BTCUSDT', price: '37215.12345678', size: '0.00012345' }),
      trade({ ticker: 'SHIBUSDT', price: '0.00000812', size: '420000000000.5' }),
      trade({ ticker: 'ETH', price: '2000.123456789012345678', size: '0.000000000000000001' }),
      quote('37215.40000001', '37215.42000001'),
    ]) {
      expect(tickLimitIssue(t, DEFAULTS)).toBeUndefined();
    }
  });

  it('names the field, the value and the bound that is broken', () => {
    expect(
      tickLimitIssue(trade({ price: '99999999999999999999999999999999999999.12' }), DEFAULTS),
    ).toBe(
      'invalid price: "99999999999999999999999999999999999999.12" (above the maximum 1000000000000000)',
    );
    expect(tickLimitIssue(trade({ price: '1000.0001' }), SMALL)).toBe(
      'invalid price: "1000.0001" (above the maximum 1000)',
    );
    expect(tickLimitIssue(trade({ price: '1000' }), SMALL)).toBeUndefined();
    expect(tickLimitIssue(trade({ price: '12.34567' }), SMALL)).toBe(
      'invalid price: "12.34567" (7 significant digits, at most 6)',
    );
    expect(tickLimitIssue(trade({ price: '0.00001' }), SMALL)).toBe(
      'invalid price: "0.00001" (5 decimals, at most 4)',
    );
    expect(tickLimitIssue(trade({ size: '51' }), SMALL)).toBe(
      'invalid size: "51" (above the maximum 50)',
    );
    expect(tickLimitIssue(quote('999', '1001'), SMALL)).toBe(
      'invalid ask: "1001" (above the maximum 1000)',
    );
    expect(tickLimitIssue(quote('9.9999', '10.0001'), SMALL)).toBeUndefined();
  });

  it('cuts a huge value short in the reason', () => {
    const tiny = `0.${'0'.repeat(10_000)}1`;
    const reason = tickLimitIssue(trade({ price: tiny }), DEFAULTS)!;
    expect(reason).toMatch(/^invalid price: "0\.0+… \(10001 decimals, at most 18\)$/);
    expect(reason.length).toBeLessThan(120);
  });

  it('checks the ticker again, whatever the adapter did', () => {
    expect(tickLimitIssue(trade({ ticker: 'QUOTES:LATEST:*' }), DEFAULTS)).toMatch(
      /^invalid ticker: "QUOTES:LATEST:\*"/,
    );
    expect(tickLimitIssue(trade({ ticker: 'aapl' }), DEFAULTS)).toMatch(/upper case\)$/);
  });
});

describe('normalizeRaw with limits', () => {
  const deps = { sectors: new Map<string, string>(), limits: SMALL };
  const raw = (payload: string, feed = 'sim') => ({
    feed,
    adapter: 'simulator',
    recvTs: 1,
    sourceId: '1',
    payload,
  });

  it('dead-letters a tick outside the limits with the reason, and passes one within', () => {
    expect(
      normalizeRaw(raw('{"T":"t","S":"AAPL","p":1001,"s":1,"t":1700000000000,"i":1}'), deps),
    ).toEqual({
      ok: false,
      reason: 'invalid price: "1001" (above the maximum 1000)',
    });
    expect(
      normalizeRaw(raw('{"T":"t","S":"aapl","p":999,"s":1,"t":1700000000000,"i":1}'), deps),
    ).toMatchObject({ ok: true, tick: { ticker: 'AAPL', price: '999' } });
  });

  it('dead-letters events of a feed whose name could not be a key', () => {
    const payload = '{"T":"t","S":"AAPL","p":1,"s":1,"t":1700000000000,"i":1}';
    expect(normalizeRaw(raw(payload, 'x:*'), deps)).toEqual({
      ok: false,
      reason: 'invalid feed name "x:*"',
    });
  });
});
