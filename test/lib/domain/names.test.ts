import { canonicalTicker, FEED_NAME_PATTERN, TICKER_PATTERN } from '../../../lib/domain';
import { FEED_NAME_PATTERN as CONTRACT_FEED_NAME } from '../../../contract';
import { parseTicker } from '../../../api/validation';

describe('the ticker rule', () => {
  it.each([
    'AAPL',
    'brk.a',
    'BRK/A',
    'BTC-USD',
    'BINANCE:BTCUSDT',
    '.SPX',
    '/ES',
    'ES_F',
    'A'.repeat(32),
  ])('accepts the real spelling %s, upper-cased', (t) => {
    expect(canonicalTicker(t)).toBe(t.toUpperCase());
    expect(parseTicker(t)).toBe(t.toUpperCase());
  });

  it.each([
    ['empty', ''],
    ['a wildcard', '*'],
    ['a key pattern', 'QUOTES:LATEST:*'],
    ['a path traversal', '../../ETC'],
    ['a NUL byte', 'BTCUSDT\u0000'],
    ['non-ASCII letters', 'ÄÖÜ😀'],
    ['a ligature that upper-cases to ASCII', 'ﬀ'],
    ['a space', 'BRK A'],
    ['33 characters', 'A'.repeat(33)],
    ['10,000 characters', 'X'.repeat(10_000)],
  ])('refuses %s at the edge and in the API alike', (_what, t) => {
    expect(TICKER_PATTERN.test(t)).toBe(false);
    expect(canonicalTicker(t)).toBeUndefined();
    expect(() => parseTicker(t)).toThrow(
      'must be 1-32 characters of A-Z a-z 0-9 . : / _ - without ".."',
    );
  });

  it('refuses what is not a string', () => {
    for (const v of [undefined, null, 7, ['AAPL'], { s: 'AAPL' }]) {
      expect(canonicalTicker(v)).toBeUndefined();
    }
  });

  it('has one feed-name rule, which the contract re-exports', () => {
    expect(CONTRACT_FEED_NAME).toBe(FEED_NAME_PATTERN);
    expect(FEED_NAME_PATTERN.test('binance-main.1')).toBe(true);
    expect(FEED_NAME_PATTERN.test('a:b')).toBe(false);
  });
});
