import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  canonicalTick,
  createParquetSink,
  dayRange,
  readerOver,
  type ArchiveManifest,
  type ArchiveSink,
} from '../../../lib/archive';
import type { StoredTick } from '../../../lib/domain';
import type { StoredAnomaly } from '../../../lib/redis';
import { TICKERS } from '../../support/archive-data';

const DAY = '2026-11-20';

function ticksOf(day: string, n: number, salt = ''): StoredTick[] {
  const { start } = dayRange(day);
  return Array.from({ length: n }, (_, i) => {
    const [ticker, sector] = TICKERS[i % TICKERS.length]!;
    return {
      id: `${start + i * 1000}-${i % 2}`,
      ticker,
      kind: i % 3 === 0 ? 'quote' : 'trade',
      price: `${i}.000000000000000000012345${salt}`,
      ...(i % 3 === 0 ? { bid: `${i}.1`, ask: `${i}.2` } : { size: String(i) }),
      ts: start + i * 1000 - 500,
      sector,
      source: 'simulator',
      feed: 'sim',
      seq: String(i),
      rawId: `${start + i * 1000 - 1}-0`,
    } satisfies StoredTick;
  });
}

function anomaliesOf(ticks: StoredTick[]): StoredAnomaly[] {
  return ticks
    .filter((_, i) => i % 10 === 0)
    .map((t) => ({
      id: t.id,
      type: 'return_zscore',
      severity: 'medium',
      ticker: t.ticker,
      price: t.price,
      statistic: 4.123456789012345,
      threshold: 4,
      ts: t.ts,
      sourceIds: [t.id],
      detectedAt: t.ts + 3,
    }));
}

async function all<T>(it: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

describe('Parquet sink', () => {
  let dir: string;
  let sink: ArchiveSink;
  const sectors = new Map(TICKERS.filter(([, s]) => s).map(([t, s]) => [t, s]));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fin-line-parquet-'));
    sink = createParquetSink({ dir, rowGroupSize: 100, sectors });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes hive partitions by date and sector that scan back in stream order, exactly', async () => {
    const ticks = ticksOf(DAY, 1000);
    const anomalies = anomaliesOf(ticks);
    const w = await sink.openDay(DAY);
    for (let i = 0; i < ticks.length; i += 150) await w.appendTicks(ticks.slice(i, i + 150));
    await w.appendAnomalies(anomalies);
    await w.publish();

    const day = join(dir, 'ticks', `date=${DAY}`);
    expect(readdirSync(day).sort()).toEqual([
      'sector=Consumer Discretionary',
      'sector=Crypto',
      'sector=Financials',
      'sector=Technology',
      'sector=__HIVE_DEFAULT_PARTITION__',
    ]);
    expect(readdirSync(join(dir, 'anomalies', `date=${DAY}`))).toEqual(['part-00000.parquet']);
    expect(readdirSync(join(dir, '.staging'))).toEqual([]);

    const back = await all(sink.scanTicks(DAY));
    expect(back.map(canonicalTick)).toEqual(ticks.map(canonicalTick));
    expect(await all(sink.scanAnomalies(DAY))).toEqual(anomalies);
  });

  it('resumes from a flush: parts written after it are dropped, none before', async () => {
    const ticks = ticksOf(DAY, 600);
    const w1 = await sink.openDay(DAY);
    await w1.appendTicks(ticks.slice(0, 300));
    const { part } = await w1.flush();
    await w1.appendTicks(ticks.slice(300, 450)); // never flushed: the "crash"
    await w1.abort();

    const w2 = await sink.openDay(DAY, { ticksAfter: ticks[299]!.id, anomaliesAfter: '', part });
    await w2.appendTicks(ticks.slice(300));
    await w2.publish();
    const back = await all(sink.scanTicks(DAY));
    expect(back.map((t) => t.id)).toEqual(ticks.map((t) => t.id));
    const tech = readdirSync(join(dir, 'ticks', `date=${DAY}`, 'sector=Technology'));
    expect(tech).toEqual(['part-00000.parquet', 'part-00001.parquet']);
  });

  it('replaces a published day whole when the day is copied again', async () => {
    const w1 = await sink.openDay(DAY);
    await w1.appendTicks(ticksOf(DAY, 50, '1'));
    await w1.publish();
    const second = ticksOf(DAY, 20, '2');
    const w2 = await sink.openDay(DAY);
    await w2.appendTicks(second);
    await w2.publish();
    expect((await all(sink.scanTicks(DAY))).map(canonicalTick)).toEqual(second.map(canonicalTick));
  });

  it('is readable by DuckDB as one hive-partitioned dataset, prices exact', async () => {
    const ticks = ticksOf(DAY, 400);
    const w = await sink.openDay(DAY);
    await w.appendTicks(ticks);
    await w.appendAnomalies(anomaliesOf(ticks));
    await w.publish();
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      const glob = join(dir, 'ticks', '**', '*.parquet');
      const res = await con.runAndReadAll(
        `SELECT date::VARCHAR, sector, count(*)::INTEGER, min(price), sum(size::DECIMAL(38,0))::VARCHAR,
                typeof(min(ts))
         FROM read_parquet('${glob}', hive_partitioning = true)
         GROUP BY ALL ORDER BY sector NULLS LAST`,
      );
      const rows = res.getRows();
      expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
        [DAY, 'Consumer Discretionary', 80],
        [DAY, 'Crypto', 80],
        [DAY, 'Financials', 80],
        [DAY, 'Technology', 80],
        // The hive default partition (ticks without a sector) reads as NULL, as in Spark.
        [DAY, null, 80],
      ]);
      expect(rows[0]![5]).toBe('TIMESTAMP');
      const one = await con.runAndReadAll(
        `SELECT price, bid, epoch_ms(ts)::BIGINT FROM read_parquet('${glob}') WHERE id = '${ticks[3]!.id}'`,
      );
      expect(one.getRows()).toEqual([[ticks[3]!.price, ticks[3]!.bid, BigInt(ticks[3]!.ts)]]);
      const an = await con.runAndReadAll(
        `SELECT count(*)::INTEGER, max(statistic) FROM read_parquet('${join(dir, 'anomalies', '**', '*.parquet')}')`,
      );
      expect(an.getRows()).toEqual([[40, 4.123456789012345]]);
    } finally {
      con.closeSync();
      db.closeSync();
    }
  });

  it('serves history and coverage through the reader, only for days with a manifest', async () => {
    const days = ['2026-11-20', '2026-11-21'];
    const written: StoredTick[] = [];
    for (const day of days) {
      const ticks = ticksOf(day, 300);
      written.push(...ticks);
      const w = await sink.openDay(day);
      await w.appendTicks(ticks);
      await w.publish();
    }
    const reader = readerOver(sink);
    expect(await reader.history('AAPL', 0, Date.now(), 10)).toEqual([]); // no manifest yet
    for (const day of days) {
      await sink.writeManifest({ day, version: 1 } as ArchiveManifest);
    }
    const from = dayRange('2026-11-20').start + 3_600_000;
    const to = dayRange('2026-11-21').start + 60_000;
    const want = written
      .filter((t) => t.ticker === 'AAPL' && t.ts >= from && t.ts < to)
      .sort((a, b) => a.ts - b.ts);
    expect(want.length).toBeGreaterThan(5);
    expect(await reader.history('AAPL', from, to, 1000)).toEqual(want);
    expect(await reader.history('AAPL', from, to, 3)).toEqual(want.slice(0, 3));
    // Narrow windows: row groups (100 rows here) outside them are skipped by their statistics.
    const t0 = dayRange('2026-11-20').start;
    for (const [a, b] of [
      [t0 + 10_000, t0 + 40_000],
      [t0 + 99_500, t0 + 100_500],
      [t0 + 250_000, dayRange('2026-11-21').start + 5_000],
    ] as const) {
      const narrow = written.filter((t) => t.ticker === 'JPM' && t.ts >= a && t.ts < b);
      expect(await reader.history('JPM', a, b, 1000)).toEqual(narrow);
    }
    // A ticker missing from the sectors reference is found by scanning every partition.
    const xyz = await reader.history('XYZ', 0, Date.now(), 5);
    expect(xyz.map((t) => t.ticker)).toEqual(['XYZ', 'XYZ', 'XYZ', 'XYZ', 'XYZ']);
    expect(await reader.coverage()).toEqual({
      archivedDays: days,
      fromMs: dayRange('2026-11-20').start,
      throughMs: dayRange('2026-11-21').end,
    });
    await reader.close();
  });
});
