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
import { seedDay, type SeededDay } from '../support/archive-data';
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
 * The archive's worker process SIGKILLed twice: once in the middle of the copy (after a
 * checkpoint), once between the manifest and the trim. New workers finish the day: the archive
 * holds exactly the day's entries (nothing lost, nothing twice), the copy went on from its
 * checkpoint, and the trim ran once, removing exactly the archived day.
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
    day = await seedDay(fx.redis, fx.keys, DAY, 6000, 3);
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

  test('nothing lost, nothing duplicated, trimmed once', async () => {
    const total = day.ticks.length + next.ticks.length;
    expect(await fx.redis.xlen(fx.keys.normalizedEvents)).toBe(total);
    const first = spawnWorker(1);
    const handle = await startWorkflow(temporal.client, archiveDayWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ day: DAY, heartbeatTimeoutMs: 2000 }],
      workflowTaskTimeout: '3s',
    });

    // Kill 1: mid-copy, after at least one checkpoint (heartbeats are throttled, so the
    // details seen may lag the copy by a few pages).
    const p = await eventually(
      async () => {
        const progress = await copyProgress();
        return (progress?.checkpoint?.ticks.digest.count ?? 0) >= 1000 ? progress : undefined;
      },
      60_000,
      'a copy checkpoint',
    );
    await kill(first);
    expect(existsSync(layout.manifest(dir, DAY))).toBe(false);
    expect(p.ticks).toBeLessThan(day.ticks.length);

    // Kill 2: the manifest is written, the trim (which waits ARCHIVE_TEST_DELAY_MS) not yet.
    const second = spawnWorker(2);
    await eventually(
      () => Promise.resolve(existsSync(layout.manifest(dir, DAY))),
      60_000,
      'the manifest',
    );
    await kill(second);
    expect(await fx.redis.xlen(fx.keys.normalizedEvents)).toBe(total);

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
    expect(result.trim?.ticks).toEqual({
      minId: `${dayRange(NEXT).start}-0`,
      removed: day.ticks.length,
    });
    expect(result.trim?.anomalies.removed).toBe(day.anomalies.length);
    const left = (await fx.redis.xrange(fx.keys.normalizedEvents, '-', '+')) as [
      string,
      string[],
    ][];
    expect(left.map(([id]) => id)).toEqual(next.ticks.map((t) => t.id));
  });
});
