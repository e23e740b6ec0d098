import { compareStreamIds, STREAM_ID, streamIdMs } from '../../../lib/redis';

describe('stream ids', () => {
  it('orders stream ids numerically', () => {
    const ids = ['10-2', '9-5', '10-10', '100-0', '10-18446744073709551615'];
    expect([...ids].sort(compareStreamIds)).toEqual([
      '9-5',
      '10-2',
      '10-10',
      '10-18446744073709551615',
      '100-0',
    ]);
  });

  it('takes the ms of an id and recognises ids', () => {
    expect(streamIdMs('1700000000123-7')).toBe(1_700_000_000_123);
    expect(STREAM_ID.test('1700000000123-18446744073709551615')).toBe(true);
    for (const bad of ['1700000000123', '-1', '1-', 'a-1', `${'9'.repeat(21)}-0`]) {
      expect(STREAM_ID.test(bad)).toBe(false);
    }
  });
});
