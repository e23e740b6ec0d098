import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findAdapter, partitionOf } from '../../../../lib/domain';

/**
 * Ingestion writes an event to the partition of the symbol its adapter read from the frame;
 * normalization checks that the ticker it makes belongs to that partition (else the event is
 * dead-lettered). Over every provider sample: a frame's routing symbol is the ticker normalize
 * reads, so no valid event is ever refused for its partition.
 */
const FEEDS = join(__dirname, '../../../fixtures/feeds');
const SAMPLES: Record<string, string[]> = {
  simulator: [
    '[{"T":"t","S":"aapl","p":189.5,"s":10,"t":1700000000000,"i":1},{"T":"q","S":"MSFT","bp":1,"bs":1,"ap":2,"as":1,"t":1700000000000,"i":2}]',
  ],
  binance: [...lines('binance-trade.ndjson'), ...lines('binance-bookticker.ndjson')],
  coinbase: lines('coinbase.ndjson'),
  finnhub: lines('finnhub.ndjson'),
  alpaca: lines('alpaca.ndjson'),
  polygon: lines('polygon.ndjson'),
};

function lines(file: string): string[] {
  return readFileSync(join(FEEDS, file), 'utf8').split('\n').filter(Boolean);
}

describe('routing symbol of a frame event = the ticker normalize makes', () => {
  const ctx = { feed: 'f', sectors: new Map<string, string>(), recvTs: 1_700_000_000_000 };
  for (const [name, frames] of Object.entries(SAMPLES)) {
    it(name, () => {
      const adapter = findAdapter(name)!;
      let valid = 0;
      for (const frame of frames) {
        for (const e of adapter.parseFrame(frame).events) {
          const r = adapter.normalize(e.payload, ctx);
          if (!r.ok) continue;
          valid++;
          expect([e.payload, e.symbol?.toUpperCase()]).toEqual([e.payload, r.tick.ticker]);
          for (const p of [2, 4, 16])
            expect(partitionOf(e.symbol!.toUpperCase(), p)).toBe(partitionOf(r.tick.ticker, p));
        }
      }
      expect(valid).toBeGreaterThan(0);
    });
  }

  it("http-poll (request symbol, or the body's)", () => {
    const adapter = findAdapter('http-poll')!;
    const bodies = JSON.parse(readFileSync(join(FEEDS, 'http-rest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    let valid = 0;
    for (const body of Object.values(bodies)) {
      const request = { url: 'http://x/BTC-USD', symbol: 'BTC-USD' };
      for (const e of adapter.parseFrame(JSON.stringify(body), request).events) {
        const r = adapter.normalize(e.payload, ctx);
        if (!r.ok) continue;
        valid++;
        expect(e.symbol?.toUpperCase()).toBe(r.tick.ticker);
      }
    }
    expect(valid).toBeGreaterThan(1);
  });
});
