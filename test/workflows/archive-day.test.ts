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
  archiveDayMetadata,
  archiveDayWorkflow,
  archiveWorkflowId,
  type ArchiveDayResult,
} from '../../contract';
import {
  byTsThenId,
  canonicalAnomaly,
  canonicalTick,
  createArchiveSink,
  DAY_MS,
  dayOf,
  dayRange,
  readerOver,
  restoreDay,
  type ArchivedTick,
  type ArchiveSink,
} from '../../lib/archive';
import type { Config } from '../../lib/config';
import { loadSectors } from '../../lib/reference';
import { decodeTick, type PartitionKeys } from '../../lib/redis';
import { collidingIds, ofPartition, seedDay, type SeededDay } from '../support/archive-data';
import {
  anomaliesBeforePartitions,
  ticksBeforePartitions,
  writeDayBeforePartitions,
} from '../support/archive-v1';
import { startPgFixture, type PgFixture } from '../support/postgres';
import {
  onCluster,
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

/** The first tick of the day in each partition that has one. */
function ofPartitionFirsts(day: SeededDay): ArchivedTick[] {
  return [...new Set(day.ticks.map((t) => t.partition))].map((p) => ofPartition(day.ticks, p)[0]!);
}

async function all<T>(it: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

/** The first entry id of every partition's normalized stream. */
async function firstIds(
  redis: RedisFixture['redis'],
  keys: readonly PartitionKeys[],
): Promise<(string | undefined)[]> {
  return Promise.all(
    keys.map(async (pk) => {
      const [first] = (await redis.xrange(pk.normalizedEvents, '-', '+', 'COUNT', 1)) as Entry[];
      return first?.[0];
    }),
  );
}

// On the Redis Cluster only what touches Redis differs: the Parquet sink there, both here.
const SINKS = onCluster() ? (['parquet'] as const) : (['parquet', 'postgres'] as const);

describe.each(SINKS)('archiveDay workflow, %s sink', (sinkKind) => {
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
  // A day archived before partitions (long trimmed from Redis): rows of partition 0, manifest v1.
  const oldDay = d(9);
  const oldTicks = ticksBeforePartitions(oldDay, 120);

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
    // Today's entries, in the first minute of the day, in every partition.
    const today = dayRange(dayOf(Date.now())).start;
    for (const pk of fx.keys.all) {
      await fx.redis.xadd(pk.normalizedEvents, `${today}-5`, 'tick', '{"ticker":"NOW"}');
    }
    sink = await createArchiveSink(config, loadSectors(config.sectorsFile)); // migrates PostgreSQL
    await writeDayBeforePartitions(
      sinkKind === 'parquet'
        ? { sink: 'parquet', dir }
        : { sink: 'postgres', url: config.archive.pgUrl! },
      oldDay,
      oldTicks,
      anomaliesBeforePartitions(oldTicks),
    );
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

  it('copies every partition, verifies and writes one manifest, then trims only that day in each', async () => {
    const day = days[0]!;
    const want = seeded.get(day)!;
    const used = new Set(want.ticks.map((t) => t.partition));
    expect(used.size).toBeGreaterThanOrEqual(2);
    expect(collidingIds(want.ticks).length).toBeGreaterThan(100);
    const r = await archive(day);
    expect(r.outcome).toBe('archived');
    expect(r.manifest).toMatchObject({
      version: 2,
      sink: sinkKind,
      partitions: fx.keys.partitions,
      sourceComplete: true,
    });
    expect(r.manifest?.ticks.digest.count).toBe(want.ticks.length);
    expect(r.manifest?.anomalies.digest.count).toBe(want.anomalies.length);
    expect(r.manifest?.ticks.streams).toEqual(
      fx.keys.all.map((pk) => {
        const mine = ofPartition(want.ticks, pk.partition);
        return {
          partition: pk.partition,
          stream: pk.normalizedEvents,
          fromId: mine[0]?.id ?? '',
          toId: mine[mine.length - 1]?.id ?? '',
          count: mine.length,
        };
      }),
    );
    await expectArchived(day);
    // Each partition's stream trimmed to the next day, the empty one left alone.
    expect(r.trim?.ticks.removed).toBe(want.ticks.length);
    expect(r.trim?.ticks.streams).toEqual(
      fx.keys.all.map((pk) => ({
        partition: pk.partition,
        stream: pk.normalizedEvents,
        minId: used.has(pk.partition) ? `${dayRange(days[1]!).start}-0` : null,
        removed: ofPartition(want.ticks, pk.partition).length,
      })),
    );
    expect(r.trim?.anomalies.removed).toBe(want.anomalies.length);
    expect(await firstIds(fx.redis, fx.keys.all)).toEqual(
      fx.keys.all.map(
        (pk) =>
          ofPartition(seeded.get(days[1]!)!.ticks, pk.partition)[0]?.id ??
          // the empty partition holds only today's entry
          `${dayRange(dayOf(Date.now())).start}-5`,
      ),
    );
  });

  it('restores an archived day partition by partition, and history reads it', async () => {
    const day = days[0]!;
    const want = seeded.get(day)!;
    const r = await restoreDay({
      sink,
      redis: fx.redis,
      day,
      streamOf: (p) => fx.keys.partition(p).restoredEvents(day),
    });
    expect(r.restored).toBe(want.ticks.length);
    expect(r.partitions.map((p) => [p.partition, p.restored, p.expected])).toEqual(
      fx.keys.all.map((pk) => {
        const n = ofPartition(want.ticks, pk.partition).length;
        return [pk.partition, n, n];
      }),
    );
    for (const pk of fx.keys.all) {
      const back = (await fx.redis.xrange(pk.restoredEvents(day), '-', '+')) as Entry[];
      expect(
        back.map(([id, f]) => canonicalTick({ ...decodeTick(id, f), partition: pk.partition })),
      ).toEqual(ofPartition(want.ticks, pk.partition).map(canonicalTick));
    }
    // history: one ticker's ticks of the day, in event time (they are gone from Redis).
    const reader = readerOver(sink);
    const { start, end } = dayRange(day);
    const aapl = want.ticks.filter((t) => t.ticker === 'AAPL' && t.ts >= start).sort(byTsThenId);
    expect(await reader.history('AAPL', start, end, 10_000)).toEqual(aapl);
  });

  it('a day archived before partitions counts as archived, and is listed, restored and read', async () => {
    const r = await archive(oldDay);
    expect(r.outcome).toBe('already-archived');
    expect(r.manifest).toMatchObject({ version: 1, partitions: 1, day: oldDay });
    expect(r.manifest?.ticks.digest.count).toBe(oldTicks.length);
    expect((await sink.listDays())[0]).toBe(oldDay);
    const restored = await restoreDay({
      sink,
      redis: fx.redis,
      day: oldDay,
      streamOf: (p) => fx.keys.partition(p).restoredEvents(oldDay),
    });
    expect(restored.partitions).toEqual([
      {
        partition: 0,
        stream: fx.keys.partition(0).restoredEvents(oldDay),
        restored: oldTicks.length,
        expected: oldTicks.length,
      },
    ]);
    const back = (await fx.redis.xrange(
      fx.keys.partition(0).restoredEvents(oldDay),
      '-',
      '+',
    )) as Entry[];
    expect(back.map(([id, f]) => canonicalTick({ ...decodeTick(id, f), partition: 0 }))).toEqual(
      oldTicks.map(canonicalTick),
    );
    const jpm: ArchivedTick[] = oldTicks.filter((t) => t.ticker === 'JPM');
    const { start, end } = dayRange(oldDay);
    expect(await readerOver(sink).history('JPM', start - DAY_MS, end, 1000)).toEqual(jpm);
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
    // days[1] has no manifest: Redis keeps it and everything after it, in every partition.
    expect(r.trim?.ticks.removed).toBe(0);
    expect(r.trim?.ticks.streams.map((t) => t.minId)).toEqual(fx.keys.all.map(() => null));
    const firsts = await firstIds(fx.redis, fx.keys.all);
    for (const t of ofPartitionFirsts(seeded.get(days[1]!)!)) {
      expect(firsts[t.partition]).toBe(t.id);
    }
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
        const firsts = await firstIds(fx.redis, fx.keys.all);
        for (const t of ofPartitionFirsts(seeded.get(days[3]!)!)) {
          expect(r.trim?.ticks.streams[t.partition]?.minId).toBe(`${dayRange(days[3]!).start}-0`);
          expect(firsts[t.partition]).toBe(t.id);
        }
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
    // The dispatch gives its child the day's summary (Temporal UI "User Metadata").
    expect(await child.staticSummary()).toBe(archiveDayMetadata(days[3]!).staticSummary);
    // Yesterday is archived but inside the retention window: still in Redis.
    for (const t of ofPartitionFirsts(seeded.get(days[3]!)!)) {
      const tail = (await fx.redis.xrange(
        fx.keys.partition(t.partition).normalizedEvents,
        '-',
        '+',
      )) as Entry[];
      expect(tail.map(([id]) => id)).toContain(t.id);
      expect(decodeTick(tail[tail.length - 1]![0], tail[tail.length - 1]![1]).ticker).toBe('NOW');
    }
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
