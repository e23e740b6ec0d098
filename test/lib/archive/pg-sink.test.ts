import { Pool } from 'pg';
import {
  canonicalTick,
  createPgSink,
  dayRange,
  migrate,
  QuoteRepository,
  readerOver,
  type ArchiveManifest,
} from '../../../lib/archive';
import type { StoredTick } from '../../../lib/domain';
import type { StoredAnomaly } from '../../../lib/redis';
import { TICKERS } from '../../support/archive-data';
import { startPgFixture, type PgFixture } from '../../support/postgres';

function ticksOf(day: string, n: number): StoredTick[] {
  const { start } = dayRange(day);
  return Array.from({ length: n }, (_, i) => {
    const [ticker, sector] = TICKERS[i % TICKERS.length]!;
    return {
      id: `${start + i * 1000}-${i % 2}`,
      ticker,
      kind: i % 3 === 0 ? 'quote' : 'trade',
      // More digits than a double holds, a tab and a backslash where COPY escapes them.
      price: `${i}.000000000000000000012345`,
      ...(i % 3 === 0 ? { bid: `${i}.1`, ask: `${i}.2` } : { size: String(i) }),
      ts: start + i * 1000 - 500,
      sector,
      source: 'simulator',
      feed: i === 7 ? 'tab\there\\and\nnewline' : 'sim',
      seq: String(i),
      rawId: `${start + i * 1000 - 1}-0`,
    } satisfies StoredTick;
  });
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
      expect(applied.sort()).toEqual([0, 0, 1]);
      const { rows } = await pool.query('SELECT version FROM archive_schema');
      expect(rows).toEqual([{ version: 1 }]);
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
      expect(await repo.save(ticks)).toBe(50);
      expect(await repo.save(ticks.slice(0, 10))).toBe(0); // a stream id is stored once
      const aapl = ticks.filter((t) => t.ticker === 'AAPL');
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
      const anomalies: StoredAnomaly[] = ticks.slice(0, 30).map((t) => ({
        id: t.id,
        type: 'volume_spike',
        severity: 'low',
        ticker: t.ticker,
        price: t.price,
        statistic: 0.1 + 0.2,
        threshold: 1e-9,
        ts: t.ts,
        sourceIds: [t.id, t.rawId],
        detectedAt: t.ts + 1,
      }));
      // First attempt: 400 flushed, 100 more written but cut short.
      const w1 = await sink.openDay(day);
      await w1.appendTicks(ticks.slice(0, 400));
      await w1.flush();
      await w1.appendTicks(ticks.slice(400, 500));
      await w1.abort();
      const w2 = await sink.openDay(day, {
        ticksAfter: ticks[399]!.id,
        anomaliesAfter: '',
        part: 0,
      });
      await w2.appendTicks(ticks.slice(400));
      await w2.appendAnomalies(anomalies);
      await w2.publish();
      const back = await all(sink.scanTicks(day));
      expect(back.map(canonicalTick)).toEqual(ticks.map(canonicalTick));
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

      await sink.writeManifest({ day: '2026-11-21', version: 1 } as ArchiveManifest);
      await sink.writeManifest({ day, version: 1 } as ArchiveManifest);
      await sink.writeManifest({ day, version: 1, sink: 'postgres' } as ArchiveManifest);
      expect(await sink.listDays()).toEqual([day, '2026-11-21']);
      expect((await sink.readManifest(day))?.sink).toBe('postgres');
      expect(await sink.readManifest('2026-01-01')).toBeUndefined();

      const reader = readerOver(sink);
      const hist = await reader.history('JPM', 0, Number.MAX_SAFE_INTEGER, 100);
      expect(hist.map((t) => t.id)).toEqual(
        [...ticks.slice(0, 5), ...other].filter((t) => t.ticker === 'JPM').map((t) => t.id),
      );
      expect((await reader.coverage()).archivedDays).toEqual([day, '2026-11-21']);
    } finally {
      await sink.close();
    }
  });
});
