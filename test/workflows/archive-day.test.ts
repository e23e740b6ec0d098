import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  ensureArchiveSchedule,
  startArchiveDay,
  startWorkflow,
  workflowHandle,
} from '../../clients';
import {
  ARCHIVE_SCHEDULE_ID,
  archiveDayWorkflow,
  archiveWorkflowId,
  type ArchiveDayResult,
} from '../../contract';
import {
  canonicalAnomaly,
  canonicalTick,
  createArchiveSink,
  DAY_MS,
  dayOf,
  dayRange,
  type ArchiveSink,
} from '../../lib/archive';
import type { Config } from '../../lib/config';
import { loadSectors } from '../../lib/reference';
import { decodeTick } from '../../lib/redis';
import { seedDay, type SeededDay } from '../support/archive-data';
import { startPgFixture, type PgFixture } from '../support/postgres';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

type Entry = [string, string[]];

/** Days before today: d(1) is yesterday. */
const d = (n: number) => dayOf(Date.now() - n * DAY_MS);

async function all<T>(it: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

describe.each(['parquet', 'postgres'] as const)('archiveDay workflow, %s sink', (sinkKind) => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-line-archive-wf-'));
  let pg: PgFixture | undefined;
  let config: Config;
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let sink: ArchiveSink;
  const seeded = new Map<string, SeededDay>();
  // Four closed days and today; Redis keeps one whole day before today (retention 1).
  const days = [d(4), d(3), d(2), d(1)];

  beforeAll(async () => {
    const env: Record<string, string> = {
      ARCHIVE_DIR: dir,
      ARCHIVE_SINK: sinkKind,
      ARCHIVE_RETENTION_DAYS: '1',
      ARCHIVE_PAGE_SIZE: '100',
      ARCHIVE_CHECKPOINT_EVENTS: '1000',
    };
    if (sinkKind === 'postgres') {
      pg = await startPgFixture('workflow');
      env.ARCHIVE_PG_URL = await pg.database('archive_wf');
    }
    config = testConfig(env);
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    for (const [i, day] of days.entries()) {
      seeded.set(day, await seedDay(fx.redis, fx.keys, day, 1500 + i * 100, i));
    }
    // Today's entries, in the first minute of the day.
    const today = dayRange(dayOf(Date.now())).start;
    await fx.redis.xadd(fx.keys.normalizedEvents, `${today}-5`, 'tick', '{"ticker":"NOW"}');
    sink = await createArchiveSink(config, loadSectors(config.sectorsFile));
    worker = await startTestWorker(config, temporal);
  });
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
    await temporal?.close();
    await fx?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function archive(day: string): Promise<ArchiveDayResult> {
    await startArchiveDay(temporal.client, config, day);
    return workflowHandle(temporal.client, archiveDayWorkflow, archiveWorkflowId(day)).result();
  }

  async function firstId(): Promise<string | undefined> {
    const [first] = (await fx.redis.xrange(
      fx.keys.normalizedEvents,
      '-',
      '+',
      'COUNT',
      1,
    )) as Entry[];
    return first?.[0];
  }

  /** The sink holds exactly what was seeded for the day (compared row by row, canonically). */
  async function expectArchived(day: string): Promise<void> {
    const want = seeded.get(day)!;
    expect((await all(sink.scanTicks(day))).map(canonicalTick)).toEqual(
      want.ticks.map(canonicalTick),
    );
    expect((await all(sink.scanAnomalies(day))).map(canonicalAnomaly)).toEqual(
      want.anomalies.map(canonicalAnomaly),
    );
  }

  it('copies, verifies and writes the manifest, then trims only that day', async () => {
    const day = days[0]!;
    const r = await archive(day);
    expect(r.outcome).toBe('archived');
    expect(r.manifest?.ticks.digest.count).toBe(seeded.get(day)!.ticks.length);
    expect(r.manifest?.anomalies.digest.count).toBe(seeded.get(day)!.anomalies.length);
    expect(r.manifest?.sink).toBe(sinkKind);
    expect(r.manifest?.sourceComplete).toBe(true);
    await expectArchived(day);
    expect(r.trim?.ticks).toEqual({
      minId: `${dayRange(days[1]!).start}-0`,
      removed: seeded.get(day)!.ticks.length,
    });
    expect(r.trim?.anomalies.removed).toBe(seeded.get(day)!.anomalies.length);
    expect(await firstId()).toBe(seeded.get(days[1]!)!.ticks[0]!.id);
  });

  it('re-running an archived day changes nothing', async () => {
    const day = days[0]!;
    const manifest = await sink.readManifest(day);
    const before = sinkKind === 'parquet' ? statSync(join(dir, 'ticks', `date=${day}`)).mtimeMs : 0;
    const r = await archive(day);
    expect(r.outcome).toBe('already-archived');
    expect(r.trim?.ticks.removed).toBe(0);
    expect(await sink.readManifest(day)).toEqual(manifest);
    if (sinkKind === 'parquet') {
      expect(statSync(join(dir, 'ticks', `date=${day}`)).mtimeMs).toBe(before);
    }
    await expectArchived(day);
  });

  it('never trims past a day that is not archived', async () => {
    const r = await archive(days[2]!);
    expect(r.outcome).toBe('archived');
    await expectArchived(days[2]!);
    // days[1] has no manifest: Redis keeps it and everything after it.
    expect(r.trim?.ticks).toEqual({ minId: null, removed: 0 });
    expect(await firstId()).toBe(seeded.get(days[1]!)!.ticks[0]!.id);
  });

  // One Schedule id per namespace: exercised once, with the default sink.
  const scheduleTest = sinkKind === 'parquet' ? it : () => undefined;
  scheduleTest(
    'the Schedule: created idempotently, and its backfill archives the right day',
    async () => {
      await temporal.client.schedule
        .getHandle(ARCHIVE_SCHEDULE_ID)
        .delete()
        .catch(() => undefined);
      expect(await ensureArchiveSchedule(temporal.client, config)).toBe('created');
      expect(await ensureArchiveSchedule(temporal.client, config)).toBe('updated');
      const handle = temporal.client.schedule.getHandle(ARCHIVE_SCHEDULE_ID);
      try {
        const desc = await handle.describe();
        expect(desc.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
        expect(desc.policies.catchupWindow).toBe(DAY_MS);
        expect(desc.spec.timezone).toBe('UTC');
        expect(desc.action).toMatchObject({
          workflowType: 'archiveDay',
          taskQueue: config.temporal.taskQueue,
        });
        // The 02:00 run in the night after days[1] archives days[1] (the day before it).
        const night = dayRange(days[1]!).end + 2 * 3_600_000;
        await handle.backfill([
          {
            start: new Date(night - 3_600_000),
            end: new Date(night + 3_600_000),
            overlap: ScheduleOverlapPolicy.BUFFER_ALL,
          },
        ]);
        await eventually(async () => sink.readManifest(days[1]!), 30_000, 'backfilled manifest');
        const r = await workflowHandle(
          temporal.client,
          archiveDayWorkflow,
          archiveWorkflowId(days[1]!),
        ).result();
        expect(r.outcome).toBe('archived');
        await expectArchived(days[1]!);
        // days[1] and days[2] are archived now; days[3] (yesterday) is inside the retention window.
        expect(r.trim?.ticks.minId).toBe(`${dayRange(days[3]!).start}-0`);
        expect(await firstId()).toBe(seeded.get(days[3]!)!.ticks[0]!.id);
      } finally {
        await handle.delete();
      }
    },
  );

  it('a run started without a day archives yesterday under its own id', async () => {
    const dispatcher = await startWorkflow(temporal.client, archiveDayWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: uniqueId('archive-dispatch'),
      args: [{}],
    });
    const r = await dispatcher.result();
    expect(r.day).toBe(days[3]);
    expect(r.outcome).toBe('archived');
    await expectArchived(days[3]!);
    const child = await temporal.client.workflow.getHandle(archiveWorkflowId(days[3]!)).describe();
    expect(child.status.name).toBe('COMPLETED');
    // Yesterday is archived but inside the retention window: still in Redis.
    const tail = (await fx.redis.xrange(fx.keys.normalizedEvents, '-', '+')) as Entry[];
    const ids = tail.map(([id]) => id);
    expect(ids).toContain(seeded.get(days[3]!)!.ticks[0]!.id);
    expect(decodeTick(tail[tail.length - 1]![0], tail[tail.length - 1]![1]).ticker).toBe('NOW');
  });

  it('refuses a day that is not over, and a bad day, without retrying', async () => {
    for (const day of [dayOf(Date.now()), '2026-02-30']) {
      const h = await startWorkflow(temporal.client, archiveDayWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: archiveWorkflowId(day),
        args: [{ day }],
      });
      const err = await h.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause?.cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toMatch(/^(DayNotClosed|BadDay)$/);
    }
  });
});
