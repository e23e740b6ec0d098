import {
  anomalyLine,
  createReplay,
  detect,
  type Anomaly,
  type BacktestAnomaly,
  type StoredTick,
  type WindowState,
} from '../../../../lib/domain';
import { createReplay as replayFromIndex } from '../../../../lib/domain/backtest';
import { params, randomTicks, tick, trades } from '../anomaly/ticks';

function replayAll(ticks: readonly StoredTick[], batchSize: number, p = params) {
  const found: BacktestAnomaly[] = [];
  const r = createReplay(p, 3, batchSize, (a) => found.push(a));
  for (const t of ticks) r.add(t);
  r.end();
  return found;
}

describe('createReplay', () => {
  it('flags exactly what detect flags, tick by tick, with partition and sector added', () => {
    const ticks = randomTicks(3000, 7);
    // The stage keeps one window per instrument (ticker and feed).
    const states = new Map<string, WindowState | undefined>();
    const anomalies: Anomaly[] = [];
    for (const t of ticks) {
      const k = `${t.ticker}@${t.feed}`;
      states.set(k, detect(states.get(k), t, { ...params, staleMs: 0 }, anomalies));
    }
    const found = replayAll(ticks, 100, { ...params, staleMs: 0 });
    expect(found.length).toBeGreaterThan(10);
    expect(found).toEqual(
      anomalies.map((a) => ({
        ...a,
        partition: 3,
        sector: ticks.find((t) => t.id === a.sourceIds[a.sourceIds.length - 1])!.sector,
      })),
    );
    expect(replayFromIndex).toBe(createReplay);
    // Found and read back from the output, an anomaly is the same JSON text.
    expect(found.map((a) => JSON.stringify(a))).toEqual(found.map(anomalyLine));
  });

  it('runs stale detection at each batch end, per feed, at its newest event time', () => {
    // AAPL trades at 0, then MSFT keeps its feed going: AAPL is silent from the first batch on.
    const ticks = [
      tick(0),
      ...Array.from({ length: 5 }, (_, i) =>
        tick(1 + i, { ticker: 'MSFT', ts: tick(0).ts + 600 * (i + 1) }),
      ),
    ];
    // Batches of 2: ends at MSFT ts +600 (silence 600), +1800 (1800 > 1000: stale), +3000.
    const found = replayAll(ticks, 2);
    expect(found.map((a) => [a.type, a.ticker, a.statistic, a.sourceIds])).toEqual([
      ['stale', 'AAPL', 1800, ['0-0']],
    ]);
    expect(found[0]!.sector).toBe('Technology');
    // One batch of everything: one stale check, at the very end.
    expect(replayAll(ticks, 100).map((a) => a.statistic)).toEqual([3000]);
  });

  it('resumes from a snapshot taken at a batch end exactly as if never stopped', () => {
    const ticks = randomTicks(2000, 3);
    const whole = replayAll(ticks, 50);
    const first: BacktestAnomaly[] = [];
    const a = createReplay(params, 3, 50, (x) => first.push(x));
    for (const t of ticks.slice(0, 1000)) a.add(t);
    expect(a.atBatchEnd).toBe(true);
    const snap = { windows: a.snapshot(), ticks: a.ticks };
    const b = createReplay(params, 3, 50, (x) => first.push(x), snap);
    expect(b.ticks).toBe(1000);
    for (const t of ticks.slice(1000)) b.add(t);
    b.end();
    expect(first).toEqual(whole);
  });

  it('gives jumps of a trade series under two jump thresholds', () => {
    const ticks = trades([100, 103, 100, 108, 100]);
    const at = (jumpPct: number) =>
      replayAll(ticks, 10, { ...params, jumpPct, staleMs: 0 })
        .filter((x) => x.type === 'price_jump')
        .map((x) => x.sourceIds[1]);
    expect(at(5)).toEqual(['3-0', '4-0']);
    expect(at(2.5)).toEqual(['1-0', '2-0', '3-0', '4-0']);
  });
});
