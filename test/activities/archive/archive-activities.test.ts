import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  BlockingPool,
  createActivities,
  createWorkerMetrics,
  type ActivityDeps,
} from '../../../activities';
import type { CopyCheckpoint, CopyProgress } from '../../../contract';
import {
  canonicalTick,
  DAY_MS,
  dayOf,
  lazyArchiveSink,
  RowDigest,
  START_POSITION,
  type LazyArchiveSink,
} from '../../../lib/archive';
import { createLogger } from '../../../lib/logger';
import { createRegistry } from '../../../lib/metrics';
import { collidingIds, ofPartition, seedDay } from '../../support/archive-data';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

async function all<T>(it: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

/**
 * Runs `fn` in an activity context whose heartbeat details are `details`: what a retry of a
 * killed attempt sees (test/workers/kill-archive.test.ts does it with a real worker).
 */
function inActivityWith<T>(details: CopyProgress, fn: () => Promise<T>): Promise<T> {
  return new MockActivityEnvironment({ heartbeatDetails: details }).run(fn);
}

/** The archive activities called directly (no Temporal) against a real Redis and Parquet files. */
describe('archive activities', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-line-archive-act-'));
  const config = testConfig({ ARCHIVE_DIR: dir, ARCHIVE_PAGE_SIZE: '100' });
  const day = dayOf(Date.now() - 2 * DAY_MS);
  let fx: RedisFixture;
  let sink: LazyArchiveSink;
  let acts: ReturnType<typeof createActivities>;
  let deps: ActivityDeps;

  beforeEach(() => {
    fx = redisFixture(config);
    sink = lazyArchiveSink(config, new Map());
    deps = {
      config,
      redis: fx.redis,
      blocking: new BlockingPool(fx.redis),
      keys: fx.keys,
      logger: createLogger({ level: 'silent', name: 'test' }),
      metrics: createWorkerMetrics(createRegistry('test')),
      sectors: new Map(),
      now: Date.now,
      shutdown: new AbortController().signal,
      archiveSink: sink,
    };
    acts = createActivities(deps);
  });
  afterEach(async () => {
    await sink.close();
    await deps.blocking.close();
    await fx.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('copies every partition of a day, with colliding stream ids, into one verified manifest', async () => {
    const seeded = await seedDay(fx.redis, fx.keys, day, 500);
    const used = [...new Set(seeded.ticks.map((t) => t.partition))];
    expect(used.length).toBeGreaterThanOrEqual(2);
    expect(collidingIds(seeded.ticks).length).toBeGreaterThan(50);
    const copy = await acts.copyDayToArchive({ day });
    expect(copy).toMatchObject({ day, partitions: fx.keys.partitions, sourceComplete: true });
    expect(copy.ticks.digest.count).toBe(500);
    // One range per partition, empty ones included.
    expect(copy.ticks.streams).toEqual(
      fx.keys.all.map((pk) => {
        const mine = ofPartition(seeded.ticks, pk.partition);
        return {
          partition: pk.partition,
          stream: pk.normalizedEvents,
          fromId: mine[0]?.id ?? '',
          toId: mine[mine.length - 1]?.id ?? '',
          count: mine.length,
        };
      }),
    );
    expect(copy.anomalies.streams.map((r) => r.count)).toEqual(
      fx.keys.all.map((pk) => ofPartition(seeded.anomalies, pk.partition).length),
    );
    const manifest = await acts.verifyArchivedDay({ copy });
    expect(manifest).toMatchObject({ version: 2, day, partitions: fx.keys.partitions });
    expect(manifest.ticks).toEqual(copy.ticks);
  });

  it('flags a day Redis had already cut (MAXLEN) in one partition and archives what was left, verified', async () => {
    const seeded = await seedDay(fx.redis, fx.keys, day, 500);
    const p = seeded.ticks[seeded.ticks.length - 1]!.partition;
    const inP = ofPartition(seeded.ticks, p).length;
    // The pipeline's cap at work on one partition's stream.
    await fx.redis.xtrim(fx.keys.partition(p).normalizedEvents, 'MAXLEN', inP - 100);
    const copy = await acts.copyDayToArchive({ day });
    expect(copy.sourceComplete).toBe(false);
    expect(copy.ticks.digest.count).toBe(400);
    const manifest = await acts.verifyArchivedDay({ copy });
    expect(manifest).toMatchObject({ day, sink: 'parquet', sourceComplete: false });
    expect(manifest.ticks.digest).toEqual(copy.ticks.digest);
  });

  it('fails verification without retry when the archive differs from its source', async () => {
    const seeded = await seedDay(fx.redis, fx.keys, day, 300);
    const copy = await acts.copyDayToArchive({ day });
    expect(copy.sourceComplete).toBe(true);
    // One more entry of the day appears in Redis after the copy (it cannot in real life: the
    // day is over; it stands for any difference between the two).
    const last = seeded.ticks[seeded.ticks.length - 1]!;
    const [ms] = last.id.split('-');
    const stream = fx.keys.partition(last.partition).normalizedEvents;
    await fx.redis.xadd(stream, `${ms}-99`, 'tick', '{"ticker":"LATE"}');
    const err = await acts.verifyArchivedDay({ copy }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('ArchiveMismatch');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toMatch(/ticks: source 301\/\w+, archive 300\//);
    expect(await acts.readArchiveManifest({ day })).toBeNull();
  });

  it('refuses a day that is not over, and never writes for it', async () => {
    const today = dayOf(Date.now());
    const err = await acts.copyDayToArchive({ day: today }).catch((e: unknown) => e);
    expect((err as ApplicationFailure).type).toBe('DayNotClosed');
    expect(
      readdirSync(dir).includes('.staging') ? readdirSync(join(dir, '.staging')) : [],
    ).not.toContain(`date=${today}`);
  });

  it('tells the archive trim from a MAXLEN cut', async () => {
    const older = dayOf(Date.now() - 3 * DAY_MS);
    const olderDay = await seedDay(fx.redis, fx.keys, older, 100);
    const seeded = await seedDay(fx.redis, fx.keys, day, 100);
    // Archive and trim the older day (retention 0 for this one): the head moves to `day`.
    const trimming = createActivities({
      ...deps,
      config: { ...config, archive: { ...config.archive, retentionDays: 0 } },
    });
    const copy = await trimming.copyDayToArchive({ day: older });
    await trimming.writeArchiveManifest({ manifest: await trimming.verifyArchivedDay({ copy }) });
    const trim = await trimming.trimArchived();
    expect(trim.ticks.removed).toBe(100);
    // Each partition's stream trimmed by itself, and its head recorded under its own key.
    expect(trim.ticks.streams.map((s) => s.removed)).toEqual(
      fx.keys.all.map((pk) => ofPartition(olderDay.ticks, pk.partition).length),
    );
    for (const pk of fx.keys.all) {
      const first = ofPartition(seeded.ticks, pk.partition)[0];
      expect(await fx.redis.hget(fx.keys.archiveTrim, pk.normalizedEvents)).toBe(first?.id ?? null);
    }
    expect((await acts.copyDayToArchive({ day })).sourceComplete).toBe(true);
    // Now a MAXLEN cut takes the first entries of `day` in one partition.
    const p = seeded.ticks[0]!.partition;
    const inP = ofPartition(seeded.ticks, p).length;
    await fx.redis.xtrim(fx.keys.partition(p).normalizedEvents, 'MAXLEN', inP - 10);
    expect((await acts.copyDayToArchive({ day })).sourceComplete).toBe(false);
  });

  it('trims nothing while no day is archived', async () => {
    const seeded = await seedDay(fx.redis, fx.keys, day, 50);
    const none = (dataset: 'ticks' | 'anomalies') => ({
      removed: 0,
      streams: fx.keys.all.map((pk) => ({
        partition: pk.partition,
        stream: dataset === 'ticks' ? pk.normalizedEvents : pk.anomalies,
        minId: null,
        removed: 0,
      })),
    });
    expect(await acts.trimArchived()).toEqual({
      ticks: none('ticks'),
      anomalies: none('anomalies'),
    });
    for (const pk of fx.keys.all) {
      expect(await fx.redis.xlen(pk.normalizedEvents)).toBe(
        ofPartition(seeded.ticks, pk.partition).length,
      );
    }
  });

  it('resumes from a checkpoint inside the second partition, and starts over from one of another P', async () => {
    const seeded = await seedDay(fx.redis, fx.keys, day, 600);
    const [p0, p1] = [...new Set(seeded.ticks.map((t) => t.partition))];
    const first = ofPartition(seeded.ticks, p0!);
    const second = ofPartition(seeded.ticks, p1!);
    // What a killed attempt left: all of the first partition and 100 of the second flushed
    // (its checkpoint), 50 more written after it and never flushed.
    const sinkNow = await sink.get();
    const w = await sinkNow.openDay(day);
    await w.appendTicks([...first, ...second.slice(0, 100)]);
    const { part } = await w.flush();
    await w.appendTicks(second.slice(100, 150));
    await w.abort();
    const streams = fx.keys.all
      .filter((pk) => pk.partition <= p1!)
      .map((pk) => {
        const mine = ofPartition(seeded.ticks, pk.partition).slice(
          0,
          pk.partition === p1 ? 100 : undefined,
        );
        return {
          partition: pk.partition,
          stream: pk.normalizedEvents,
          fromId: mine[0]?.id ?? '',
          toId: mine[mine.length - 1]?.id ?? '',
          count: mine.length,
        };
      });
    const digest = new RowDigest();
    [...first, ...second.slice(0, 100)].forEach((t) => digest.add(canonicalTick(t)));
    const checkpoint: CopyCheckpoint = {
      partitions: fx.keys.partitions,
      phase: 'ticks',
      partition: p1!,
      after: second[99]!.id,
      position: { ...START_POSITION, ticks: { partition: p1!, after: second[99]!.id }, part },
      ticks: { digest: digest.state(), streams },
      anomalies: { digest: new RowDigest().state(), streams: [] },
    };
    const details: CopyProgress = {
      day,
      phase: 'ticks',
      partition: p1!,
      partitions: fx.keys.partitions,
      ticks: 150,
      anomalies: 0,
      fraction: 0.5,
      checkpoint,
    };
    const copy = await inActivityWith(details, () => acts.copyDayToArchive({ day }));
    expect(copy.resumed).toBe(true);
    expect(copy.ticks.digest.count).toBe(600);
    const manifest = await acts.verifyArchivedDay({ copy });
    expect(manifest.ticks.digest).toEqual(copy.ticks.digest);
    expect((await all(sinkNow.scanTicks(day))).map(canonicalTick)).toEqual(
      seeded.ticks.map(canonicalTick),
    );
    // The same checkpoint under another number of partitions is not resumed: a full copy.
    const other = { ...details, checkpoint: { ...checkpoint, partitions: fx.keys.partitions + 1 } };
    const again = await inActivityWith(other, () => acts.copyDayToArchive({ day }));
    expect(again.resumed).toBe(false);
    expect(again.ticks.digest).toEqual(copy.ticks.digest);
  });
});
