import { Pool } from 'pg';
import {
  byPartitionThenId,
  byTsThenId,
  canonicalTick,
  createPgSink,
  dayRange,
  migrate,
  QuoteRepository,
  readerOver,
  RowDigest,
  SCHEMA_VERSION,
  START_POSITION,
  type ArchivedAnomaly,
  type ArchivedTick,
  type ArchiveManifest,
} from '../../../lib/archive';
import { collidingIds, TICKERS } from '../../support/archive-data';
import {
  anomaliesBeforePartitions,
  ticksBeforePartitions,
  writeDayBeforePartitions,
} from '../../support/archive-v1';
import { startPgFixture, type PgFixture } from '../../support/postgres';

/**
 * `n` ticks of a day over `partitions` in the copy's order (partition, then id): tick i is in
 * partition i % partitions, and the ticks of one round share their stream id.
 */
function ticksOf(day: string, n: number, partitions = 2): ArchivedTick[] {
  const { start } = dayRange(day);
  const ticks = Array.from({ length: n }, (_, i) => {
    const [ticker, sector] = TICKERS[i % TICKERS.length]!;
    const round = Math.floor(i / partitions);
    return {
      id: `${start + round * 1000}-${round % 2}`,
      ticker,
      kind: i % 3 === 0 ? 'quote' : 'trade',
      // More digits than a double holds, a tab and a backslash where COPY escapes them.
      price: `${i}.000000000000000000012345`,
      ...(i % 3 === 0 ? { bid: `${i}.1`, ask: `${i}.2` } : { size: String(i) }),
      ts: start + round * 1000 - 500,
      sector,
      source: 'simulator',
      feed: i === 7 ? 'tab\there\\and\nnewline' : 'sim',
      seq: String(i),
      rawId: `${start + round * 1000 - 1}-0`,
      partition: i % partitions,
    } satisfies ArchivedTick;
  });
  return ticks.sort(byPartitionThenId);
}

function manifestOf(day: string, sink: 'parquet' | 'postgres' = 'postgres'): ArchiveManifest {
  const empty = { digest: { count: 0, sum: '0000000000000000' }, streams: [] };
  return {
    version: 2,
    day,
    sink,
    partitions: 2,
    ticks: empty,
    anomalies: empty,
    sourceComplete: true,
    verifiedAt: 0,
  };
}

async function all<T>(it: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

describe('PostgreSQL sink and QuoteRepository', () => {
  let pg: PgFixture;

  beforeAll(async () => {
    pg = await startPgFixture('sink');
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('migrates once, whatever the number of start-ups', async () => {
    const pool = new Pool({ connectionString: await pg.database('migrations') });
    try {
      const applied = await Promise.all([migrate(pool), migrate(pool), migrate(pool)]);
      expect(applied.sort()).toEqual([0, 0, SCHEMA_VERSION]);
      const { rows } = await pool.query('SELECT version FROM archive_schema ORDER BY version');
      expect(rows).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
    } finally {
      await pool.end();
    }
  });

  it('QuoteRepository saves idempotently, queries a range in order and finds the latest', async () => {
    const pool = new Pool({ connectionString: await pg.database('repo') });
    try {
      await migrate(pool);
      const repo = new QuoteRepository(pool);
      const ticks = ticksOf('2026-11-20', 50);
      expect(collidingIds(ticks)).toHaveLength(25);
      expect(await repo.save(ticks)).toBe(50); // the same id in two partitions: two rows
      expect(await repo.save(ticks.slice(0, 10))).toBe(0); // a (partition, id) is stored once
      const aapl = ticks.filter((t) => t.ticker === 'AAPL').sort(byTsThenId);
      const got = await repo.query('AAPL', aapl[1]!.ts, aapl[5]!.ts, 100);
      expect(got).toEqual(aapl.slice(1, 5));
      expect(await repo.query('AAPL', 0, Number.MAX_SAFE_INTEGER, 2)).toEqual(aapl.slice(0, 2));
      expect(await repo.latest('AAPL')).toEqual(aapl[aapl.length - 1]);
      expect(await repo.latest('NOPE')).toBeUndefined();
    } finally {
      await pool.end();
    }
  });

  it('copies a day with COPY, resumes after a flush, replaces on a fresh copy, reads back exactly', async () => {
    const sink = await createPgSink({ url: await pg.database('sink') });
    try {
      const day = '2026-11-20';
      const ticks = ticksOf(day, 700);
      const anomalies: ArchivedAnomaly[] = ticks.slice(0, 30).map((t) => ({
        id: t.id,
        type: 'volume_spike',
        severity: 'low',
        ticker: t.ticker,
        feed: 'sim',
        partition: t.partition,
        price: t.price,
        statistic: 0.1 + 0.2,
        threshold: 1e-9,
        ts: t.ts,
        sourceIds: [t.id, t.rawId],
        detectedAt: t.ts + 1,
      }));
      // First attempt: partition 0 and 50 of partition 1 flushed, 100 more written but cut short.
      expect(ticks[399]!.partition).toBe(1);
      const w1 = await sink.openDay(day);
      await w1.appendTicks(ticks.slice(0, 400));
      await w1.flush();
      await w1.appendTicks(ticks.slice(400, 500));
      await w1.abort();
      const w2 = await sink.openDay(day, {
        ...START_POSITION,
        ticks: { partition: 1, after: ticks[399]!.id },
      });
      await w2.appendTicks(ticks.slice(400));
      await w2.appendAnomalies(anomalies);
      await w2.publish();
      const back = await all(sink.scanTicks(day));
      expect(back.map(canonicalTick)).toEqual(ticks.map(canonicalTick));
      expect(await all(sink.scanAnomalies(day))).toEqual(anomalies);

      // Resumed from inside partition 0: the rest of it and all of partition 1 go, anomalies stay.
      const w2b = await sink.openDay(day, {
        ticks: { partition: 0, after: ticks[99]!.id },
        anomalies: { partition: 2, after: '' },
        part: 0,
      });
      await w2b.abort();
      expect(await all(sink.scanTicks(day))).toEqual(ticks.slice(0, 100));
      expect(await all(sink.scanAnomalies(day))).toEqual(anomalies);

      // A fresh copy of the day drops the old rows first, and leaves other days alone.
      const other = ticksOf('2026-11-21', 10);
      const w3 = await sink.openDay('2026-11-21');
      await w3.appendTicks(other);
      await w3.publish();
      const w4 = await sink.openDay(day);
      await w4.appendTicks(ticks.slice(0, 5));
      await w4.publish();
      expect((await all(sink.scanTicks(day))).length).toBe(5);
      expect((await all(sink.scanAnomalies(day))).length).toBe(0);
      expect((await all(sink.scanTicks('2026-11-21'))).length).toBe(10);

      await sink.writeManifest(manifestOf('2026-11-21'));
      await sink.writeManifest(manifestOf(day, 'parquet'));
      await sink.writeManifest(manifestOf(day));
      expect(await sink.listDays()).toEqual([day, '2026-11-21']);
      expect(await sink.readManifest(day)).toEqual(manifestOf(day));
      expect(await sink.readManifest('2026-01-01')).toBeUndefined();

      const reader = readerOver(sink);
      const hist = await reader.history('JPM', 0, Number.MAX_SAFE_INTEGER, 100);
      expect(hist).toEqual(
        [...ticks.slice(0, 5), ...other].filter((t) => t.ticker === 'JPM').sort(byTsThenId),
      );
      expect((await reader.coverage()).archivedDays).toEqual([day, '2026-11-21']);
    } finally {
      await sink.close();
    }
  });

  it('migrates an archive written before partitions: its rows become partition 0, its days stay archived', async () => {
    const url = await pg.database('upgrade');
    const day = '2026-11-18';
    const old = ticksBeforePartitions(day, 40);
    const oldAnomalies = anomaliesBeforePartitions(old);
    const pool = new Pool({ connectionString: url });
    try {
      expect(await migrate(pool, 1)).toBe(1); // the schema of the release before partitions
    } finally {
      await pool.end();
    }
    await writeDayBeforePartitions({ sink: 'postgres', url }, day, old, oldAnomalies);

    const sink = await createPgSink({ url }); // migrates to the current schema
    try {
      expect(await all(sink.scanTicks(day))).toEqual(old);
      expect(await all(sink.scanAnomalies(day))).toEqual(oldAnomalies); // feed '', partition 0
      expect(await sink.listDays()).toEqual([day]);
      const manifest = await sink.readManifest(day);
      expect(manifest).toMatchObject({ version: 1, partitions: 1 });
      expect(manifest?.ticks.streams).toEqual([
        {
          partition: 0,
          stream: 'normalized:events',
          fromId: old[0]!.id,
          toId: old[39]!.id,
          count: 40,
        },
      ]);
      // The digest the old manifest recorded still matches the rows read back now.
      const digest = new RowDigest();
      (await all(sink.scanTicks(day))).forEach((t) => digest.add(canonicalTick(t)));
      expect(digest.state()).toEqual(manifest?.ticks.digest);
      // The same stream ids in another partition are rows of their own now.
      const p1 = old.map((t) => ({ ...t, partition: 1 }));
      expect(await sink.repository.save(p1)).toBe(40);
      expect(await all(sink.scanTicks(day))).toEqual([...old, ...p1]);
      const aapl = [...old, ...p1].filter((t) => t.ticker === 'AAPL').sort(byTsThenId);
      expect(await readerOver(sink).history('AAPL', 0, Number.MAX_SAFE_INTEGER, 100)).toEqual(aapl);
    } finally {
      await sink.close();
    }
  });
});
