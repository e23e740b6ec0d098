import { detect, detectStale, type AnomalyParams, type WindowState } from '../../../../lib/domain';
import { params, tick } from './ticks';

describe('detectStale', () => {
  const p: AnomalyParams = { ...params, sectors: { Crypto: { staleMs: 10_000 } } };

  function states(): Map<string, WindowState> {
    const m = new Map<string, WindowState>();
    const at = (ticker: string, ts: number, sector: string, price: string) =>
      m.set(
        ticker,
        detect(undefined, tick(0, { ticker, ts, sector, price, id: `${ticker}-id` }), p, [])!,
      );
    at('A', 1000, 'Technology', '10.5');
    at('B', 5000, 'Technology', '20');
    at('C', 1500, 'Crypto', '30000');
    at('D', 2000, 'Technology', '40'); // silent for exactly staleMs at now = 3000
    return m;
  }

  it('reports a ticker silent for longer than its sector threshold, once per episode', () => {
    const m = states();
    // The windows are one feed's: each anomaly names it.
    expect(detectStale(m, 3000, p, 'sim')).toEqual([
      {
        type: 'stale',
        severity: 'high', // 2000 ms / 1000 ms = 2
        ticker: 'A',
        feed: 'sim',
        price: '10.5',
        statistic: 2000,
        threshold: 1000,
        ts: 3000,
        sourceIds: ['A-id'],
      },
    ]);
    expect(m.get('A')!.staleReported).toBe(true);
    // A is reported already; D, silent exactly 1000 ms at 3000, is past it at 3001.
    expect(detectStale(m, 3001, p).map((a) => [a.ticker, a.statistic, a.severity])).toEqual([
      ['D', 1001, 'low'],
    ]);
    expect(detectStale(m, 3001, p)).toEqual([]);
  });

  it('ends the episode on the next newer tick, not on a late one', () => {
    const m = states();
    detectStale(m, 3000, p);
    detect(m.get('A'), tick(9, { ticker: 'A', ts: 900, id: 'late' }), p, []);
    expect(m.get('A')!.staleReported).toBe(true);
    expect(detectStale(m, 3200, p).map((a) => a.ticker)).toEqual(['D']);
    detect(m.get('A'), tick(9, { ticker: 'A', ts: 2000, id: 'a2', price: '10.6' }), p, []);
    expect(m.get('A')!.staleReported).toBe(false);
    expect(detectStale(m, 3500, p)).toEqual([
      expect.objectContaining({
        ticker: 'A',
        statistic: 1500,
        severity: 'medium',
        price: '10.6',
        sourceIds: ['a2'],
      }),
    ]);
  });

  it('uses per-sector thresholds, and staleMs 0 turns it off', () => {
    const m = states();
    expect(detectStale(m, 11_600, p).map((a) => [a.ticker, a.threshold])).toEqual([
      ['A', 1000],
      ['B', 1000],
      ['C', 10_000],
      ['D', 1000],
    ]);
    expect(detectStale(states(), 1e12, { ...p, staleMs: 0, sectors: {} })).toEqual([]);
  });
});
