import {
  contentKey,
  keyPart,
  prefixedId,
} from '../../../../../lib/domain/adapters/parse-helpers/source-id';

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
