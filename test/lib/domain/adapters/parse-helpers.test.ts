import {
  contentKey,
  keyPart,
  prefixedId,
  rfc3339ToMs,
} from '../../../../lib/domain/adapters/parse-helpers';

describe('rfc3339ToMs', () => {
  it.each([
    ['2023-11-14T22:13:20Z', 1700000000000],
    ['2023-11-14T22:13:20.123456Z', 1700000000123],
    ['2023-11-14T22:13:20.999999999Z', 1700000000999],
    ['2023-11-14T22:13:20.1Z', 1700000000100],
    ['2023-11-14t22:13:20z', 1700000000000],
    ['2023-11-14 22:13:20Z', 1700000000000],
    ['2023-11-15T03:43:20+05:30', 1700000000000],
    ['2023-11-14T17:13:20.5-05:00', 1700000000500],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2016-12-31T23:59:60Z', Date.UTC(2017, 0, 1)],
  ])('reads %s', (text, ms) => {
    expect(rfc3339ToMs(text)).toBe(ms);
  });

  it.each([
    '2023-11-14T22:13:20',
    '2023-11-14',
    '2023-02-29T00:00:00Z',
    '2023-13-01T00:00:00Z',
    '2023-11-14T24:00:00Z',
    '2023-11-14T22:13:20.Z',
    '2023-11-14T22:13:20+0100',
    'Tue, 14 Nov 2023 22:13:20 GMT',
    ' 2023-11-14T22:13:20Z',
  ])('refuses %s', (text) => {
    expect(rfc3339ToMs(text)).toBeUndefined();
  });
});

describe('sourceId parts', () => {
  it('builds ids only from present parts', () => {
    expect(keyPart(0)).toBe('0');
    expect(keyPart('')).toBeUndefined();
    expect(keyPart(NaN)).toBeUndefined();
    expect(keyPart(null)).toBeUndefined();
    expect(prefixedId('btcusdt', 't', 5)).toBe('BTCUSDT:t:5');
    expect(prefixedId('BTCUSDT', 't', undefined)).toBe('');
    expect(contentKey('aapl', 1700000000000, 1.5, 0)).toBe('~AAPL|1700000000000|1.5|0');
    expect(contentKey('AAPL', 1700000000000, undefined)).toBe('');
    expect(contentKey(undefined, 1)).toBe('');
  });
});
