import { archiveWorkflowId } from '../../../contract';
import {
  anomalyValues,
  BadDayError,
  canonicalAnomaly,
  canonicalTick,
  tickValues,
  type ArchivedAnomaly,
  type ArchivedTick,
  type DigestState,
  dayIdRange,
  dayRange,
  daysBetween,
  partitionValue,
  partitionValueOf,
  previousUtcDay,
  RowDigest,
  sameDigest,
  trimBoundMs,
} from '../../../lib/archive';

const DAY = 86_400_000;

describe('days', () => {
  it('maps a day to its UTC range and stream ids, and refuses what is not a day', () => {
    expect(dayRange('2026-11-23')).toEqual({
      start: Date.parse('2026-11-23T00:00:00Z'),
      end: Date.parse('2026-11-24T00:00:00Z'),
    });
    expect(dayIdRange('2026-11-23').first).toBe(`${Date.parse('2026-11-23T00:00:00Z')}-0`);
    for (const bad of ['2026-02-30', '2026-1-01', 'yesterday', '']) {
      expect(() => dayRange(bad)).toThrow(BadDayError);
    }
    expect(previousUtcDay(new Date('2026-11-24T02:00:00Z'))).toBe('2026-11-23');
    expect(archiveWorkflowId('2026-11-23')).toBe('archive-2026-11-23');
  });

  it('lists days inclusively and rejects reversed or huge ranges', () => {
    expect(daysBetween('2026-02-27', '2026-03-01')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
    ]);
    expect(() => daysBetween('2026-03-02', '2026-03-01')).toThrow(BadDayError);
    expect(() => daysBetween('2000-01-01', '2026-01-01', 100)).toThrow(/at most 100/);
  });
});

describe('trimBoundMs (retention)', () => {
  const now = Date.parse('2026-11-24T02:00:00Z');
  const day = (d: string) => dayRange(d).start;
  const first = day('2026-11-10') + 5000;

  it('trims archived days older than the retention window', () => {
    const archived = new Set(['2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13']);
    expect(
      trimBoundMs({ firstEntryMs: first, archivedDays: archived, nowMs: now, retentionDays: 7 }),
    ).toBe(day('2026-11-14'));
    // Retention 12 days: only the 10th and 11th are out of the window.
    expect(
      trimBoundMs({ firstEntryMs: first, archivedDays: archived, nowMs: now, retentionDays: 12 }),
    ).toBe(day('2026-11-12'));
  });

  it('stops at the first day without a manifest, whatever is archived after it', () => {
    const archived = new Set(['2026-11-10', '2026-11-12', '2026-11-13']);
    expect(
      trimBoundMs({ firstEntryMs: first, archivedDays: archived, nowMs: now, retentionDays: 0 }),
    ).toBe(day('2026-11-11'));
    expect(
      trimBoundMs({
        firstEntryMs: first,
        archivedDays: new Set(['2026-11-11']),
        nowMs: now,
        retentionDays: 0,
      }),
    ).toBeUndefined();
  });

  it('never trims today, nor an empty stream', () => {
    const archived = new Set(['2026-11-23', '2026-11-24']);
    expect(
      trimBoundMs({
        firstEntryMs: day('2026-11-23'),
        archivedDays: archived,
        nowMs: now,
        retentionDays: 0,
      }),
    ).toBe(day('2026-11-24'));
    expect(
      trimBoundMs({
        firstEntryMs: undefined,
        archivedDays: archived,
        nowMs: now,
        retentionDays: 0,
      }),
    ).toBeUndefined();
    expect(DAY).toBe(dayRange('2026-11-24').end - dayRange('2026-11-24').start);
  });
});

describe('RowDigest', () => {
  const tick = (i: number, partition = 0): ArchivedTick => ({
    id: `${i}-0`,
    ticker: 'AAPL',
    kind: 'trade',
    price: `1.${i}`,
    size: '1',
    ts: i,
    sector: 'Technology',
    source: 's',
    feed: 'f',
    seq: String(i),
    rawId: `${i}-1`,
    partition,
  });

  it('does not depend on order but sees a duplicate, a loss and a changed digit', () => {
    const rows = [1, 2, 3, 4].map((i) => canonicalTick(tick(i)));
    const a = new RowDigest();
    rows.forEach((r) => a.add(r));
    const b = new RowDigest();
    [...rows].reverse().forEach((r) => b.add(r));
    expect(sameDigest(a.state(), b.state())).toBe(true);

    const dup = new RowDigest(b.state());
    dup.add(rows[0]!);
    expect(dup.state().count).toBe(5);
    const lost = new RowDigest();
    rows.slice(1).forEach((r) => lost.add(r));
    const changed = new RowDigest();
    [...rows.slice(1), canonicalTick({ ...tick(1), price: '1.10' })].forEach((r) => changed.add(r));
    expect(sameDigest(a.state(), lost.state())).toBe(false);
    expect(changed.state().count).toBe(4);
    expect(changed.state().sum).not.toBe(a.state().sum);
    // The state survives JSON (heartbeat details) and goes on counting.
    const resumed = new RowDigest(JSON.parse(JSON.stringify(lost.state())) as DigestState);
    resumed.add(rows[0]!);
    expect(resumed.state()).toEqual(a.state());
  });

  it('tells the same stream id in two partitions apart, and keeps the lines of partition 0', () => {
    const [p0, p1] = [canonicalTick(tick(1, 0)), canonicalTick(tick(1, 1))];
    expect(p0).not.toBe(p1);
    const both = new RowDigest();
    [p0, p1].forEach((r) => both.add(r));
    const swapped = new RowDigest();
    [p0, p0].forEach((r) => swapped.add(r));
    expect(sameDigest(both.state(), swapped.state())).toBe(false);
    // A row of partition 0 has the line of a row archived before partitions (no partition field),
    // so version-1 manifests' digests still match their rows.
    expect(p0).toBe(JSON.stringify([tick(1).id, ...tickValues(tick(1))]));
    const anomaly: ArchivedAnomaly = {
      id: '5-0',
      type: 'price_jump',
      severity: 'high',
      ticker: 'AAPL',
      feed: '',
      price: '1',
      statistic: 9,
      threshold: 8,
      ts: 5,
      sourceIds: ['5-0'],
      detectedAt: 6,
      partition: 0,
    };
    expect(canonicalAnomaly(anomaly)).toBe(JSON.stringify(['5-0', ...anomalyValues(anomaly)]));
    expect(canonicalAnomaly({ ...anomaly, feed: 'sim' })).not.toBe(canonicalAnomaly(anomaly));
    expect(canonicalAnomaly({ ...anomaly, partition: 2 })).not.toBe(canonicalAnomaly(anomaly));
  });
});

describe('partition values', () => {
  it('keeps sectors readable and reversible', () => {
    expect(partitionValue('Consumer Discretionary')).toBe('Consumer Discretionary');
    expect(partitionValue('a/b=c')).toBe('a%2Fb%3Dc');
    expect(partitionValueOf(`sector=${partitionValue('a/b=c')}`)).toBe('a/b=c');
    expect(partitionValueOf(`sector=${partitionValue('')}`)).toBe('');
  });
});
