import {
  decodeLatestQuote,
  decodeTick,
  encodeLatestQuote,
  encodeTick,
  quoteOrderKey,
} from '../../../../lib/redis';
import type { NormalizedTick } from '../../../../lib/domain';

describe('tick codecs', () => {
  const quote: NormalizedTick = {
    ticker: 'AAPL',
    kind: 'quote',
    price: '189.71',
    bid: '189.7',
    ask: '189.72',
    ts: 1_700_000_000_123,
    sector: 'Technology',
    source: 'alpaca',
    feed: 'alpaca-live',
    seq: '~AAPL|q|2023-11-14T15:51:44.335689322Z|189.70|3|189.72|4',
  };
  const trade: NormalizedTick = {
    ticker: 'MSFT',
    kind: 'trade',
    price: '369.67',
    size: '50',
    ts: 1_700_000_000_800,
    sector: 'Technology',
    source: 'polygon',
    feed: 'polygon-live',
    seq: 'MSFT:T:52983525029461',
  };

  it.each([quote, trade])('a stream entry decodes to what was encoded ($kind)', (t) => {
    const fields = encodeTick(t, '1700000000200-3');
    expect(fields[0]).toBe('tick');
    expect(fields).toHaveLength(2);
    expect(decodeTick('1700000000300-0', fields)).toEqual({
      ...t,
      id: '1700000000300-0',
      rawId: '1700000000200-3',
    });
  });

  it('the latest-quote hash keeps one field per attribute and decodes back', () => {
    const fields = encodeLatestQuote({ ...quote, id: '5-0', rawId: '4-1' }, 1_700_000_001_000);
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) hash[fields[i]!] = fields[i + 1]!;
    expect(hash).toMatchObject({ price: '189.71', bid: '189.7', ask: '189.72', stream_id: '5-0' });
    expect(decodeLatestQuote(hash)).toEqual({
      ...quote,
      streamId: '5-0',
      updatedAt: 1_700_000_001_000,
      order: quoteOrderKey(quote.ts, '4-1'),
    });
    expect(decodeLatestQuote({})).toBeUndefined();
  });
});
