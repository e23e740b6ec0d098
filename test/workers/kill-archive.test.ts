import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWorkflow, workflowHandle } from '../../clients';
import { archiveDayWorkflow, archiveWorkflowId, type CopyProgress } from '../../contract';
import {
  canonicalAnomaly,
  canonicalTick,
  createArchiveSink,
  DAY_MS,
  dayOf,
  dayRange,
  layout,
  type ArchiveSink,
} from '../../lib/archive';
import { loadConfig, type Config, type Env } from '../../lib/config';
import type { ManagedProcess } from '../../lib/devstack/child';
import { loadSectors } from '../../lib/reference';
import { collidingIds, ofPartition, seedDay, type SeededDay } from '../support/archive-data';
import {
  redisFixture,
  temporalFixture,
  testEnv,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually } from '../support/temporal';
import { spawnWorkerProcess } from '../support/worker-process';

/**
 * The archive's worker process SIGKILLed twice, over two partitions whose streams share stream
 * ids: once in the middle of the copy of the second partition (after a checkpoint in it), once
 * between the manifest and the trim. New workers finish the day: the archive holds exactly the
 * day's entries of both partitions (nothing lost, nothing twice), the copy went on from its
 * checkpoint, and the trim ran once, removing exactly the archived day from each partition.
 */

const DAY = dayOf(Date.now() - 3 * DAY_MS);
const NEXT = dayOf(Date.now() - 2 * DAY_MS);

async function all<T>(it: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

describe('archive worker killed between copy and trim', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-line-kill-archive-'));
  const env: Env = testEnv({
    ARCHIVE_DIR: dir,
    PIPELINE_PARTITIONS: '2',
    ARCHIVE_RETENTION_DAYS: '1',
    ARCHIVE_PAGE_SIZE: '500',
    ARCHIVE_CHECKPOINT_EVENTS: '1000',
    // Each page and the trim wait this long: room to kill the worker at a known step.
    ARCHIVE_TEST_DELAY_MS: '400',
    WORKER_SHUTDOWN_GRACE_MS: '500',
  });
  const config: Config = loadConfig(env);
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let sink: ArchiveSink;
  let day: SeededDay;
  let next: SeededDay;
  const workers: ManagedProcess[] = [];
  const workflowId = archiveWorkflowId(DAY);

  function spawnWorker(n: number): ManagedProcess {
    const w = spawnWorkerProcess(`kill-archive-${config.temporal.taskQueue}-${n}`, env);
    workers.push(w);
    return w;
  }

  async function kill(w: ManagedProcess): Promise<void> {
    w.child.kill('SIGKILL');
    expect(await w.exited).toBe('SIGKILL');
    // What a graceful shutdown does and a killed worker cannot: stop routing the workflow's
    // tasks to its sticky queue (else the next task waits out a 10 s timeout first).
    await temporal.client.workflowService.resetStickyTaskQueue({
      namespace: config.temporal.namespace,
      execution: { workflowId },
    });
  }

  async function copyProgress(): Promise<CopyProgress | undefined> {
    const desc = await workflowHandle(temporal.client, archiveDayWorkflow, workflowId).describe();
    const pending = desc.raw.pendingActivities?.find(
      (a) => a.activityType?.name === 'copyDayToArchive',
    );
    const data = pending?.heartbeatDetails?.payloads?.[0]?.data;
    return data ? (JSON.parse(Buffer.from(data).toString()) as CopyProgress) : undefined;
  }

  beforeAll(async () => {
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    day = await seedDay(fx.redis, fx.keys, DAY, 8000, 3);
    next = await seedDay(fx.redis, fx.keys, NEXT, 500, 4);
    sink = await createArchiveSink(config, loadSectors(config.sectorsFile));
  });
  afterAll(async () => {
    await temporal?.client.workflow
      .getHandle(workflowId)
      .terminate('test done')
      .catch(() => undefined);
    await Promise.all(workers.map((w) => w.stop(5000)));
    await sink?.close();
    await temporal?.close();
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function lengths(): Promise<number[]> {
    return Promise.all(fx.keys.all.map((pk) => fx.redis.xlen(pk.normalizedEvents)));
  }

  test('nothing lost, nothing duplicated, trimmed once', async () => {
    const seededLengths = fx.keys.all.map(
      (pk) =>
        ofPartition(day.ticks, pk.partition).length + ofPartition(next.ticks, pk.partition).length,
    );
    expect(await lengths()).toEqual(seededLengths);
    expect(ofPartition(day.ticks, 1).length).toBeGreaterThan(2000);
    expect(collidingIds(day.ticks).length).toBeGreaterThan(1000);
    const first = spawnWorker(1);
    const handle = await startWorkflow(temporal.client, archiveDayWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ day: DAY, heartbeatTimeoutMs: 2000 }],
      workflowTaskTimeout: '3s',
    });

    // Kill 1: mid-copy of the second partition's ticks, after a checkpoint inside it
    // (heartbeats are throttled, so the details seen may lag the copy by a few pages).
    const p = await eventually(
      async () => {
        const cp = (await copyProgress())?.checkpoint;
        return cp?.phase === 'ticks' && cp.partition === 1 && cp.after !== '' ? cp : undefined;
      },
      60_000,
      'a copy checkpoint inside partition 1',
    );
    await kill(first);
    expect(existsSync(layout.manifest(dir, DAY))).toBe(false);
    expect(p.ticks.digest.count).toBeGreaterThan(ofPartition(day.ticks, 0).length);
    expect(p.ticks.digest.count).toBeLessThan(day.ticks.length);
    expect(p.ticks.streams.map((r) => r.partition)).toEqual([0, 1]);
    expect(p.ticks.streams[0]!.count).toBe(ofPartition(day.ticks, 0).length);

    // Kill 2: the manifest is written, the trim (which waits ARCHIVE_TEST_DELAY_MS) not yet.
    const second = spawnWorker(2);
    await eventually(
      () => Promise.resolve(existsSync(layout.manifest(dir, DAY))),
      60_000,
      'the manifest',
    );
    await kill(second);
    expect(await lengths()).toEqual(seededLengths);

    spawnWorker(3);
    const result = await handle.result();
    expect(result.outcome).toBe('archived');
    expect(result.resumedCopy).toBe(true);

    // The archive is the day's source, exactly: no row lost, none twice, none changed.
    const archived = await all(sink.scanTicks(DAY));
    expect(archived.length).toBe(day.ticks.length);
    expect(archived.map(canonicalTick)).toEqual(day.ticks.map(canonicalTick));
    expect((await all(sink.scanAnomalies(DAY))).map(canonicalAnomaly)).toEqual(
      day.anomalies.map(canonicalAnomaly),
    );
    const manifest = await sink.readManifest(DAY);
    expect(manifest?.ticks.digest.count).toBe(day.ticks.length);
    expect(manifest?.ticks.streams.map((r) => r.count)).toEqual(
      fx.keys.all.map((pk) => ofPartition(day.ticks, pk.partition).length),
    );
    expect(readdirSync(join(dir, '.staging'))).toEqual([]);

    // Trimmed once, exactly the archived day: the next day (not archived) is all there.
    const history = await handle.fetchHistory();
    const scheduled = new Map<string, string>();
    const completed: string[] = [];
    for (const e of history.events ?? []) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
      const c = e.activityTaskCompletedEventAttributes;
      if (c) completed.push(scheduled.get(String(c.scheduledEventId)) ?? '');
    }
    expect(completed.filter((n) => n === 'trimArchived')).toHaveLength(1);
    expect(completed.filter((n) => n === 'copyDayToArchive')).toHaveLength(1);
    expect(result.trim?.ticks.streams).toEqual(
      fx.keys.all.map((pk) => ({
        partition: pk.partition,
        stream: pk.normalizedEvents,
        minId: `${dayRange(NEXT).start}-0`,
        removed: ofPartition(day.ticks, pk.partition).length,
      })),
    );
    expect(result.trim?.anomalies.removed).toBe(day.anomalies.length);
    for (const pk of fx.keys.all) {
      const left = (await fx.redis.xrange(pk.normalizedEvents, '-', '+')) as [string, string[]][];
      expect(left.map(([id]) => id)).toEqual(
        ofPartition(next.ticks, pk.partition).map((t) => t.id),
      );
    }
  }, 180_000); // three worker processes start (about 15 s each on a busy 2-core machine)
});
