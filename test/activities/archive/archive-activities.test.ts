import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  BlockingPool,
  createActivities,
  createWorkerMetrics,
  type ActivityDeps,
} from '../../../activities';
import { DAY_MS, dayOf, lazyArchiveSink, type LazyArchiveSink } from '../../../lib/archive';
import { createLogger } from '../../../lib/logger';
import { createRegistry } from '../../../lib/metrics';
import { seedDay } from '../../support/archive-data';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

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

  it('flags a day Redis had already cut (MAXLEN) and archives what was left, verified', async () => {
    await seedDay(fx.redis, fx.keys, day, 500);
    await fx.redis.xtrim(fx.keys.normalizedEvents, 'MAXLEN', 400); // the pipeline's cap at work
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
    await fx.redis.xadd(fx.keys.normalizedEvents, `${ms}-99`, 'tick', '{"ticker":"LATE"}');
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
    await seedDay(fx.redis, fx.keys, older, 100);
    await seedDay(fx.redis, fx.keys, day, 100);
    // Archive and trim the older day (retention 0 for this one): the head moves to `day`.
    const trimming = createActivities({
      ...deps,
      config: { ...config, archive: { ...config.archive, retentionDays: 0 } },
    });
    const copy = await trimming.copyDayToArchive({ day: older });
    await trimming.writeArchiveManifest({ manifest: await trimming.verifyArchivedDay({ copy }) });
    expect((await trimming.trimArchived()).ticks.removed).toBe(100);
    expect((await acts.copyDayToArchive({ day })).sourceComplete).toBe(true);
    // Now a MAXLEN cut takes the first entries of `day`.
    await fx.redis.xtrim(fx.keys.normalizedEvents, 'MAXLEN', 90);
    expect((await acts.copyDayToArchive({ day })).sourceComplete).toBe(false);
  });

  it('trims nothing while no day is archived', async () => {
    await seedDay(fx.redis, fx.keys, day, 50);
    expect(await acts.trimArchived()).toEqual({
      ticks: { minId: null, removed: 0 },
      anomalies: { minId: null, removed: 0 },
    });
    expect(await fx.redis.xlen(fx.keys.normalizedEvents)).toBe(50);
  });
});
