import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  byPartitionThenId,
  byTsThenId,
  canonicalTick,
  createParquetSink,
  dayRange,
  readerOver,
  RowDigest,
  START_POSITION,
  type ArchivedAnomaly,
  type ArchivedTick,
  type ArchiveManifest,
  type ArchiveSink,
} from '../../../lib/archive';
import { collidingIds, TICKERS } from '../../support/archive-data';
import { writeDayBeforePartitions } from '../../support/archive-v1';

const DAY = '2026-11-20';

/**
 * `n` ticks of a day spread over `partitions`, in the copy's order (partition, then id): tick i
 * is in partition i % partitions, and ticks of one round share their stream id.
 */
function ticksOf(day: string, n: number, salt = '', partitions = 2): ArchivedTick[] {
  const { start } = dayRange(day);
  const ticks = Array.from({ length: n }, (_, i) => {
    const [ticker, sector] = TICKERS[i % TICKERS.length]!;
    const ms = start + Math.floor(i / partitions) * 1000;
    return {
      id: `${ms}-${Math.floor(i / partitions) % 2}`,
      ticker,
      kind: i % 3 === 0 ? 'quote' : 'trade',
      price: `${i}.000000000000000000012345${salt}`,
      ...(i % 3 === 0 ? { bid: `${i}.1`, ask: `${i}.2` } : { size: String(i) }),
      ts: ms - 500,
      sector,
      source: 'simulator',
      feed: 'sim',
      seq: String(i),
      rawId: `${ms - 1}-0`,
      partition: i % partitions,
    } satisfies ArchivedTick;
  });
  return ticks.sort(byPartitionThenId);
}

/** A version-2 manifest of a day (the reader needs only its presence). */
function manifestOf(day: string): ArchiveManifest {
  const empty = { digest: { count: 0, sum: '0000000000000000' }, streams: [] };
  return {
    version: 2,
    day,
    sink: 'parquet',
    partitions: 2,
    ticks: empty,
    anomalies: empty,
    sourceComplete: true,
    verifiedAt: 0,
  };
}

function anomaliesOf(ticks: ArchivedTick[]): ArchivedAnomaly[] {
  return ticks
    .filter((_, i) => i % 10 === 0)
    .map((t, i) => ({
      id: t.id,
      type: 'return_zscore',
      severity: 'medium',
      ticker: t.ticker,
      feed: i % 2 ? 'sim' : 'venue-b',
      price: t.price,
      statistic: 4.123456789012345,
      threshold: 4,
      ts: t.ts,
      sourceIds: [t.id],
      detectedAt: t.ts + 3,
      partition: t.partition,
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

  it('writes hive partitions by date and sector that scan back by partition and stream id, exactly', async () => {
    const ticks = ticksOf(DAY, 1000);
    const anomalies = anomaliesOf(ticks);
    expect(collidingIds(ticks).length).toBe(500); // every id is in both partitions
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
    expect(back).toEqual(ticks);
    expect(await all(sink.scanAnomalies(DAY))).toEqual(anomalies);
  });

  it('resumes from a flush inside the second partition: parts written after it are dropped, none before', async () => {
    const ticks = ticksOf(DAY, 600);
    const flushed = ticks[400]!; // partition 1 holds ticks[300..599]
    expect(flushed.partition).toBe(1);
    const w1 = await sink.openDay(DAY);
    await w1.appendTicks(ticks.slice(0, 401));
    const { part } = await w1.flush();
    await w1.appendTicks(ticks.slice(401, 500)); // never flushed: the "crash"
    await w1.abort();

    const w2 = await sink.openDay(DAY, {
      ...START_POSITION,
      ticks: { partition: 1, after: flushed.id },
      part,
    });
    await w2.appendTicks(ticks.slice(401));
    await w2.publish();
    const back = await all(sink.scanTicks(DAY));
    expect(back.map((t) => [t.partition, t.id])).toEqual(ticks.map((t) => [t.partition, t.id]));
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
      const t = ticks.find((x) => x.partition === 1 && x.bid !== undefined)!;
      const one = await con.runAndReadAll(
        `SELECT price, bid, epoch_ms(ts)::BIGINT FROM read_parquet('${glob}')
         WHERE id = '${t.id}' AND partition = ${t.partition}`,
      );
      expect(one.getRows()).toEqual([[t.price, t.bid, BigInt(t.ts)]]);
      // A stream id names a row only with its partition.
      const keys = await con.runAndReadAll(
        `SELECT count(DISTINCT id)::INTEGER, count(DISTINCT (partition, id))::INTEGER,
                typeof(min(partition))
         FROM read_parquet('${glob}')`,
      );
      expect(keys.getRows()).toEqual([[200, 400, 'INTEGER']]);
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
    const written: ArchivedTick[] = [];
    for (const day of days) {
      const ticks = ticksOf(day, 300);
      written.push(...ticks);
      const w = await sink.openDay(day);
      await w.appendTicks(ticks);
      await w.publish();
    }
    const reader = readerOver(sink);
    expect(await reader.history('AAPL', 0, Date.now(), 10)).toEqual([]); // no manifest yet
    for (const day of days) await sink.writeManifest(manifestOf(day));
    const from = dayRange('2026-11-20').start + 3_600_000;
    const to = dayRange('2026-11-21').start + 60_000;
    const want = written
      .filter((t) => t.ticker === 'AAPL' && t.ts >= from && t.ts < to)
      .sort(byTsThenId);
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
      const narrow = written
        .filter((t) => t.ticker === 'JPM' && t.ts >= a && t.ts < b)
        .sort(byTsThenId);
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

  it('reads a day archived before partitions: files without the partition column, a version-1 manifest', async () => {
    const old = '2026-11-19';
    const ticks = ticksOf(old, 50, '', 1);
    const anomalies = anomaliesOf(ticks).map((a) => ({ ...a, feed: '' }));
    await writeDayBeforePartitions({ sink: 'parquet', dir }, old, ticks, anomalies);
    // A day archived after, beside it.
    const w = await sink.openDay(DAY);
    await w.appendTicks(ticksOf(DAY, 40));
    await w.publish();
    await sink.writeManifest(manifestOf(DAY));

    expect(await sink.listDays()).toEqual([old, DAY]);
    const manifest = await sink.readManifest(old);
    expect(manifest).toMatchObject({ version: 1, partitions: 1, day: old, sink: 'parquet' });
    expect(manifest?.ticks.streams).toEqual([
      {
        partition: 0,
        stream: 'normalized:events',
        fromId: ticks[0]!.id,
        toId: ticks[49]!.id,
        count: 50,
      },
    ]);
    const back = await all(sink.scanTicks(old));
    expect(back).toEqual(ticks); // partition 0, every field as written
    // The digest the old manifest recorded still matches the rows read back now.
    const digest = new RowDigest();
    back.forEach((t) => digest.add(canonicalTick(t)));
    expect(digest.state()).toEqual(manifest?.ticks.digest);
    expect(await all(sink.scanAnomalies(old))).toEqual(anomalies); // feed '', partition 0
    const aapl = ticks.filter((t) => t.ticker === 'AAPL');
    // (the next day's first ticks have event times just before midnight: left out)
    const to = dayRange(DAY).start - 1000;
    expect(await readerOver(sink).history('AAPL', 0, to, 100)).toEqual(aapl);

    // DuckDB reads both layouts as one dataset by column name; old rows have a NULL partition.
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      const res = await con.runAndReadAll(
        `SELECT date::VARCHAR, coalesce(partition, 0) AS p, count(*)::INTEGER
         FROM read_parquet('${join(dir, 'ticks', '**', '*.parquet')}',
                           hive_partitioning = true, union_by_name = true)
         GROUP BY ALL ORDER BY ALL`,
      );
      expect(res.getRows()).toEqual([
        [old, 0, 50],
        [DAY, 0, 20],
        [DAY, 1, 20],
      ]);
    } finally {
      con.closeSync();
      db.closeSync();
    }
  });
});
