import {
  anomalyThresholdsSchema,
  luldJumpPct,
  sectorOverridesSchema,
  severityOf,
  thresholdsFor,
  type AnomalyParams,
} from '../../../../lib/domain';
import { CALM, params, run, trades } from './ticks';

describe('jump thresholds: LULD tiers, configured and per sector', () => {
  it('has LULD-style bands by reference price', () => {
    expect([10, 3.01, 3, 1, 0.75, 0.7499, 0.01].map(luldJumpPct)).toEqual([
      5, 5, 10, 10, 10, 20, 20,
    ]);
  });

  it('applies the band of the previous trade when no jump threshold is configured', () => {
    const jumps = (a: number, b: number) =>
      run(trades([a, b])).anomalies.map((x) => [x.statistic, x.threshold, x.severity]);
    expect(jumps(2, 2.19)).toEqual([]); // 9.5 % < 10 %
    expect(jumps(2, 2.2)).toEqual([[10, 10, 'low']]);
    expect(jumps(3, 3.15)).toEqual([]); // $3.00 is in the 10 % band
    expect(jumps(3, 3.3)).toEqual([[10, 10, 'low']]);
    expect(jumps(3.2, 3.36)).toEqual([[5, 5, 'low']]);
    expect(jumps(0.5, 0.59)).toEqual([]); // 18 % < 20 %
    expect(jumps(0.5, 0.6)).toEqual([[20, 20, 'low']]);
    expect(jumps(0.5, 1)).toEqual([[100, 20, 'critical']]);
  });

  it('uses a configured jump threshold for every price, and a sector override above both', () => {
    const flat: AnomalyParams = {
      ...params,
      jumpPct: 7,
      sectors: { Crypto: { jumpPct: 12, zThreshold: 5 } },
    };
    const jumps = (a: number, b: number, sector = 'Technology') =>
      run(trades([a, b], { sector }), flat).anomalies.map((x) => [x.statistic, x.threshold]);
    expect(jumps(100, 106)).toEqual([]); // the 5 % band no longer applies
    expect(jumps(2, 2.2)).toEqual([[10, 7]]);
    expect(jumps(100, 110, 'Crypto')).toEqual([]);
    expect(jumps(100, 112, 'Crypto')).toEqual([[12, 12]]);
  });

  it('resolves per-sector thresholds over the defaults', () => {
    const p: AnomalyParams = {
      ...params,
      sectors: { Crypto: { zThreshold: 6, staleMs: 0 }, Energy: { jumpPct: 8 } },
    };
    expect(thresholdsFor(p, 'Crypto')).toEqual({
      zThreshold: 6,
      jumpPct: undefined,
      minSamples: 4,
      volumeZThreshold: 4,
      volumeMinSamples: 4,
      staleMs: 0,
    });
    expect(thresholdsFor(p, 'Energy').jumpPct).toBe(8);
    expect(thresholdsFor(p, 'Utilities')).toMatchObject({ zThreshold: 4, jumpPct: undefined });
    expect(thresholdsFor(p, 'Crypto')).toBe(thresholdsFor(p, 'Crypto'));
    // The 104.5 trade (z = 4.42) is an anomaly in equities but not under crypto's z of 6.
    expect(run(trades([...CALM, 104.5], { sector: 'Crypto' }), p).anomalies).toEqual([]);
    expect(run(trades([...CALM, 104.5]), p).anomalies).toHaveLength(1);
  });
});

describe('severityOf', () => {
  it('grades severity by how far past the threshold', () => {
    expect(severityOf(5.5, 5)).toBe('low');
    expect(severityOf(-8, 5)).toBe('medium');
    expect(severityOf(10, 5)).toBe('high');
    expect(severityOf(16, 5)).toBe('critical');
  });
});

describe('threshold schema', () => {
  it('accepts the thresholds with their bounds, and partial per-sector overrides', () => {
    const thresholds = {
      zThreshold: 4,
      minSamples: 4,
      volumeZThreshold: 4,
      volumeMinSamples: 4,
      staleMs: 1000,
    };
    expect(anomalyThresholdsSchema.parse(thresholds)).toEqual(thresholds);
    const parse = (over: object) => anomalyThresholdsSchema.safeParse({ ...thresholds, ...over });
    expect(parse({ minSamples: 1 }).success).toBe(false);
    expect(parse({ jumpPct: 0 }).success).toBe(false);
    expect(sectorOverridesSchema.parse({ Crypto: { jumpPct: 10 } })).toEqual({
      Crypto: { jumpPct: 10 },
    });
    const bad = sectorOverridesSchema.safeParse({ Crypto: { zThreshold: 0.05, jump: 3 } });
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.code])).toEqual([
      ['Crypto.zThreshold', 'too_small'],
      ['Crypto', 'unrecognized_keys'],
    ]);
  });
});
