import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestInput, startBacktest, startWorkflow, workflowHandle } from '../../clients';
import {
  archiveDayWorkflow,
  BACKTEST_DEFAULTS,
  backtestAnomaliesWorkflow,
  type BacktestDayProgress,
} from '../../contract';
import { createArchiveSink, DAY_MS, dayOf } from '../../lib/archive';
import { loadConfig, parseAnomalySettings, type Config, type Env } from '../../lib/config';
import type { ManagedProcess } from '../../lib/devstack/child';
import { anomalyLine, compareDay, createReplay, type BacktestAnomaly } from '../../lib/domain';
import { seedJumpDay } from '../support/backtest-data';
import {
  redisFixture,
  temporalFixture,
  testEnv,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';
import { spawnWorkerProcess } from '../support/worker-process';

/**
 * A backtest's worker process SIGKILLed in the middle of a day (after a checkpoint): a new
 * worker resumes the day from the checkpoint its heartbeat names, and the report and the
 * candidate's output are exactly those of an uninterrupted replay of the same ticks.
 */

const DAY = dayOf(Date.now() - 30 * DAY_MS);
const PER_TICKER = 4000;

describe('backtest worker killed mid-day', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-line-kill-backtest-'));
  const base: Env = testEnv({ ARCHIVE_DIR: dir, ARCHIVE_CHECKPOINT_EVENTS: '1000' });
  // The worker process pauses after each checkpoint: room to kill it mid-day.
  const env: Env = {
    ...base,
    ARCHIVE_TEST_DELAY_MS: '300',
    WORKER_SHUTDOWN_GRACE_MS: '500',
    LOG_LEVEL: 'info',
  };
  const config: Config = loadConfig(base);
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  const workers: ManagedProcess[] = [];
  let workflowId = '';

  beforeAll(async () => {
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    await seedJumpDay(fx.redis, fx.keys, DAY, PER_TICKER, [
      { ticker: 'AAPL', index: 1001, pct: 3 },
      { ticker: 'JPM', index: 2501, pct: 7 },
      { ticker: 'BTC-USD', index: 3501, pct: 6 },
    ]);
    // Archived by an in-process worker (no pauses), stopped before the worker process starts.
    const archiver = await startTestWorker(config, temporal);
    const h = await startWorkflow(temporal.client, archiveDayWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: uniqueId('archive'),
      args: [{ day: DAY }],
    });
    expect((await h.result()).outcome).toBe('archived');
    await archiver.stop();
  });
  afterAll(async () => {
    if (workflowId) {
      await temporal?.client.workflow
        .getHandle(workflowId)
        .terminate('test done')
        .catch(() => undefined);
    }
    await Promise.all(workers.map((w) => w.stop(5000)));
    await temporal?.close();
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const nameOf = (n: number) => `kill-backtest-${config.temporal.taskQueue}-${n}`;
  /** Where spawnWorkerProcess writes a worker's output. */
  const logOf = (n: number) => join(tmpdir(), `fin-line-${nameOf(n)}.log`);

  function spawnWorker(n: number): ManagedProcess {
    const w = spawnWorkerProcess(nameOf(n), env);
    workers.push(w);
    return w;
  }

  async function dayProgress(): Promise<BacktestDayProgress | undefined> {
    const desc = await workflowHandle(
      temporal.client,
      backtestAnomaliesWorkflow,
      workflowId,
    ).describe();
    const pending = desc.raw.pendingActivities?.find(
      (a) => a.activityType?.name === 'backtestArchivedDay',
    );
    const data = pending?.heartbeatDetails?.payloads?.[0]?.data;
    return data ? (JSON.parse(Buffer.from(data).toString()) as BacktestDayProgress) : undefined;
  }

  test('resumes from the checkpoint and reports what an uninterrupted replay gives', async () => {
    const request = {
      from: DAY,
      to: DAY,
      set: ['ANOMALY_JUMP_PCT=2.5', 'ANOMALY_Z_THRESHOLD=6'],
      heartbeatTimeoutMs: 2000,
    };
    const first = spawnWorker(1);
    const started = await startBacktest(temporal.client, config, request);
    workflowId = started.workflowId;
    const at = await eventually(
      async () => {
        const p = await dayProgress();
        return p?.checkpoint && p.ticksRead >= 3000 ? p : undefined;
      },
      60_000,
      'a checkpoint past 3000 ticks',
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await temporal.client.workflowService.resetStickyTaskQueue({
      namespace: config.temporal.namespace,
      execution: { workflowId },
    });
    expect(at.ticksRead).toBeLessThan(3 * PER_TICKER);

    spawnWorker(2);
    const report = await workflowHandle(
      temporal.client,
      backtestAnomaliesWorkflow,
      workflowId,
    ).result();
    const log = readFileSync(logOf(2), 'utf8');
    const resumed = log
      .split('\n')
      .filter((l) => l.includes('backtest day resumed'))
      .map((l) => JSON.parse(l) as { ticksRead: number });
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.ticksRead).toBeGreaterThanOrEqual(at.ticksRead);

    // The same ticks replayed here, in one go: the report and the candidate's lines match.
    const input = backtestInput(config, request);
    const sink = await createArchiveSink(config, new Map());
    const found = { p: [] as BacktestAnomaly[], c: [] as BacktestAnomaly[] };
    const params = {
      p: parseAnomalySettings(input.production),
      c: parseAnomalySettings(input.candidate),
    };
    let partition = -1;
    let rp: ReturnType<typeof createReplay> | undefined;
    let rc: ReturnType<typeof createReplay> | undefined;
    let n = 0;
    for await (const batch of sink.scanTicks(DAY)) {
      for (const t of batch) {
        if (t.partition !== partition) {
          rp?.end();
          rc?.end();
          partition = t.partition;
          rp = createReplay(params.p, partition, input.batchSize, (a) => found.p.push(a));
          rc = createReplay(params.c, partition, input.batchSize, (a) => found.c.push(a));
        }
        rp!.add(t);
        rc!.add(t);
        n++;
      }
    }
    rp?.end();
    rc?.end();
    await sink.close();
    const want = compareDay(
      { day: DAY, ticksRead: n, ticksReplayed: n, production: found.p, candidate: found.c },
      BACKTEST_DEFAULTS.differences,
    );
    expect(n).toBe(3 * PER_TICKER);
    expect(want.onlyCandidate).toBeGreaterThan(0);
    expect(report.perDay).toHaveLength(1);
    const dayDir = join(dir, 'backtests', workflowId, `date=${DAY}`);
    expect(readFileSync(join(dayDir, 'report.json'), 'utf8')).toBe(`${JSON.stringify(want)}\n`);
    expect(readFileSync(join(dayDir, 'candidate.ndjson'), 'utf8')).toBe(
      found.c.map((a) => `${anomalyLine(a)}\n`).join(''),
    );
    // No checkpoint left behind.
    expect(readdirSync(dayDir).sort()).toEqual([
      'candidate.ndjson',
      'production.ndjson',
      'report.json',
    ]);
  });
});
