import {
  compareDay,
  matchKey,
  mergeDays,
  type BacktestAnomaly,
} from '../../../../lib/domain/backtest';

const T = 1_700_000_000_000;

function an(over: Partial<BacktestAnomaly>): BacktestAnomaly {
  return {
    type: 'price_jump',
    severity: 'low',
    ticker: 'AAPL',
    feed: 'sim',
    price: '100',
    statistic: 6,
    threshold: 5,
    ts: T,
    sourceIds: ['1-0', '2-0'],
    partition: 0,
    sector: 'Technology',
    ...over,
  };
}

describe('compareDay / mergeDays', () => {
  const shared = an({});
  const onlyProd = an({ ticker: 'JPM', sector: 'Financials', ts: T + 5, sourceIds: ['7-0'] });
  const onlyCand1 = an({ type: 'return_zscore', ts: T + 1, severity: 'high', sourceIds: ['9-0'] });
  const onlyCand2 = an({ ts: T + 1, partition: 1, sourceIds: ['10-0'] });

  it('matches by partition, instrument, type and triggering tick, whatever the statistic', () => {
    expect(matchKey(shared)).toBe('0|AAPL@sim|price_jump|2-0');
    expect(matchKey({ ...shared, statistic: 9, severity: 'high', threshold: 2 })).toBe(
      matchKey(shared),
    );
    expect(matchKey({ ...shared, feed: 'other' })).not.toBe(matchKey(shared));
  });

  it('counts each side, the differences in report order, and the label scores', () => {
    const day = compareDay(
      {
        day: '2024-01-02',
        ticksRead: 10,
        ticksReplayed: 9,
        production: [onlyProd, shared],
        candidate: [onlyCand2, { ...shared, severity: 'high' }, onlyCand1],
      },
      2,
      [
        { ticker: 'AAPL', from: T, to: T + 1 },
        { ticker: 'MSFT', from: 0, to: T * 2 },
      ],
    );
    expect(day).toEqual({
      day: '2024-01-02',
      ticksRead: 10,
      ticksReplayed: 9,
      production: {
        total: 2,
        byType: { price_jump: 2 },
        bySeverity: { low: 2 },
        bySector: { Financials: 1, Technology: 1 },
        byInstrument: { 'AAPL@sim': 1, 'JPM@sim': 1 },
      },
      candidate: {
        total: 3,
        byType: { price_jump: 2, return_zscore: 1 },
        bySeverity: { high: 2, low: 1 },
        bySector: { Technology: 3 },
        byInstrument: { 'AAPL@sim': 3 },
      },
      both: 1,
      onlyProduction: 1,
      onlyCandidate: 2,
      // ts T+1 in partition 0 before partition 1; T+5 is past the kept two.
      differences: [
        { only: 'candidate', anomaly: onlyCand1 },
        { only: 'candidate', anomaly: onlyCand2 },
      ],
      labels: {
        production: { explained: 1, caught: [0] },
        candidate: { explained: 3, caught: [0] },
      },
    });
    const report = mergeDays(
      '2024-01-02',
      '2024-01-03',
      [day, { ...day, day: '2024-01-03' }],
      3,
      2,
    );
    expect(report.production.byInstrument).toEqual({ 'AAPL@sim': 2, 'JPM@sim': 2 });
    expect(report.onlyCandidate).toBe(4);
    expect(report.differences).toHaveLength(3);
    expect(report.labels).toEqual({
      total: 2,
      production: { precision: 0.5, recall: 0.5, explained: 2, caught: 1 },
      candidate: { precision: 1, recall: 0.5, explained: 6, caught: 1 },
    });
    expect(report.perDay.map((d) => [d.day, d.onlyProduction, d.onlyCandidate])).toEqual([
      ['2024-01-02', 1, 2],
      ['2024-01-03', 1, 2],
    ]);
  });

  it('gives the same JSON text whatever order the anomalies came in', () => {
    const text = (prod: BacktestAnomaly[], cand: BacktestAnomaly[]) =>
      JSON.stringify(
        compareDay(
          { day: 'd', ticksRead: 0, ticksReplayed: 0, production: prod, candidate: cand },
          10,
        ),
      );
    expect(text([onlyProd, shared], [onlyCand1, onlyCand2])).toBe(
      text([shared, onlyProd], [onlyCand2, onlyCand1]),
    );
  });
});
