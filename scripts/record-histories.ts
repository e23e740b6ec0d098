import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import { loadConfig, type Config } from '../lib/config';
import { instrumentId } from '../lib/domain';
import { PROJECT_ROOT, startEphemeralStack } from '../lib/devstack';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/metrics';
import { keysOf, createRedis, encodeDeadLetter, encodeRaw, fieldMap } from '../lib/redis';
import { createSimulator } from '../simulator';
import { buildWorker } from '../workers/build-worker';
import { startBacktest, startWorkflow } from '../clients';
import {
  archiveDayWorkflow,
  archiveWorkflowId,
  feedStatusQuery,
  feedWorkflowId,
  ingestFeedWorkflow,
  pauseSignal,
  pipelineWorkflow,
  redriveDeadLettersWorkflow,
  replayBatchWorkflow,
  resumeSignal,
  setSymbolsUpdate,
  stopSignal,
} from '../contract';
import { runCli } from '../lib/cli';

/**
 * `npm run record-histories`: runs each workflow for real on a throw-away stack and saves its
 * history to test/fixtures/histories/, where test/workflows/replay.test.ts replays it. Run it
 * after a deliberate workflow change (guarded by `patched()`), never to paper over a failure.
 */
const OUT = join(PROJECT_ROOT, 'test', 'fixtures', 'histories');

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function firstRunEnded(client: Client, handle: WorkflowHandle, runId: string): Promise<void> {
  const h = client.workflow.getHandle(handle.workflowId, runId);
  await waitFor(`${handle.workflowId} to end its first run`, async () => {
    const d = await h.describe();
    return d.status.name === 'RUNNING' ? undefined : d.status.name;
  });
}

/** Names given with --only: the others are run (later ones may need them) but not saved. */
let only: ReadonlySet<string> | undefined;
/** Whether a step that saves these fixtures runs (all without --only). */
const want = (...names: string[]) => !only || names.some((n) => only!.has(n));

async function save(
  client: Client,
  name: string,
  handle: WorkflowHandle,
  runId?: string,
): Promise<void> {
  if (only && !only.has(name)) return;
  const h = runId ? client.workflow.getHandle(handle.workflowId, runId) : handle;
  const history = await h.fetchHistory();
  writeFileSync(join(OUT, `${name}.json`), `${historyToJSON(history)}\n`);
  process.stdout.write(`recorded ${name} (${history.events?.length ?? 0} events)\n`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const stack = await startEphemeralStack({
    pathEnv: process.env.PATH ?? '',
    logDir: join(tmpdir(), `fin-line-record-${process.pid}`),
    // Short histories, so the recorded runs include continue-as-new.
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 300 },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    REDIS_URL: stack.redisUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: 'record',
    SIMULATOR_PORT: '0',
    SIMULATOR_EVENTS_PER_SECOND: '200',
    INGEST_STATUS_MS: '300',
    // One partition: the recorded pipeline run (partition 0) sees every event written here.
    PIPELINE_PARTITIONS: '1',
    PIPELINE_BLOCK_MS: '100',
    PIPELINE_BATCH_SIZE: '50',
    PIPELINE_MAX_ATTEMPTS: '2',
    WORKER_SHUTDOWN_GRACE_MS: '1000',
    ARCHIVE_DIR: join(tmpdir(), `fin-line-record-${process.pid}`, 'archive'),
  });
  const logger = createLogger({ level: 'warn', name: 'record' });
  const redis = createRedis(config.redis);
  const keys = keysOf(config).partition(0);
  // Yesterday's ticks for the archive, written first: explicit ids must precede the pipeline's.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const dayStart = Date.parse(`${yesterday}T00:00:00Z`);
  for (let i = 0; i < 20; i++) {
    await redis.xadd(
      keys.normalizedEvents,
      `${dayStart + i * 60_000}-0`,
      'tick',
      JSON.stringify({
        ticker: 'AAPL',
        kind: 'trade',
        price: `1${i}.5`,
        size: '1',
        ts: dayStart + i * 60_000,
        sector: 'Technology',
        source: 'simulator',
        feed: 'record',
        seq: String(i),
        raw_id: `${dayStart}-0`,
      }),
    );
  }
  const sim = createSimulator({
    config: config.simulator,
    logger,
    registry: createRegistry('sim'),
  });
  const native = await NativeConnection.connect({ address: config.temporal.address });
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection });
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const built = await buildWorker({
    config,
    logger,
    registry: createRegistry('w'),
    connection: native,
    workflowBundle: bundle,
  });
  const running = built.worker.run();
  const taskQueue = config.temporal.taskQueue;
  try {
    const { url } = await sim.start();

    if (want('ingest-feed')) {
      // ingestFeed: one activity run that ends on maxRunMs, then continue-as-new.
      const feed = await startWorkflow(client, ingestFeedWorkflow, {
        taskQueue,
        workflowId: feedWorkflowId('record'),
        args: [{ name: 'record', adapter: 'simulator', url, maxRunMs: 2000 }],
      });
      await firstRunEnded(client, feed, feed.firstExecutionRunId);
      await save(client, 'ingest-feed', feed, feed.firstExecutionRunId);
      await feed.terminate('recorded');
    }

    if (want('ingest-feed-controls')) {
      // ingestFeed under operator control: progress signals, pause, resume, setSymbols, stop.
      const controlled = await startWorkflow(client, ingestFeedWorkflow, {
        taskQueue,
        workflowId: feedWorkflowId('record-controls'),
        args: [{ name: 'record-controls', adapter: 'simulator', url, heartbeatTimeoutMs: 2000 }],
      });
      const status = () => controlled.query(feedStatusQuery);
      await waitFor('events', async () => ((await status()).eventsTotal > 0 ? true : undefined));
      await controlled.signal(pauseSignal);
      await waitFor('paused', async () => ((await status()).state === 'paused' ? true : undefined));
      await controlled.signal(resumeSignal);
      await waitFor('running', async () => ((await status()).connected ? true : undefined));
      await controlled.executeUpdate(setSymbolsUpdate, { args: [['AAPL']] });
      await waitFor('resubscribed', async () =>
        (await status()).runs >= 2 && (await status()).connected ? true : undefined,
      );
      await controlled.signal(stopSignal);
      await controlled.result();
      await save(client, 'ingest-feed-controls', controlled);
    }

    if (want('pipeline', 'replay-batch', 'replay-batch-again')) {
      // pipeline: real batches, one permanently failing batch (corrupt window state), continue-as-new.
      await redis.hset(keys.anomalyState, instrumentId('BAD', 'record'), '{corrupt');
      await redis.xadd(
        keys.rawEvents,
        '*',
        ...encodeRaw({
          feed: 'record',
          adapter: 'simulator',
          recvTs: 1,
          sourceId: '1',
          payload: '{"T":"t","S":"BAD","p":10,"s":1,"t":1700000000000,"i":1}',
        }),
      );
      const pipeline = await startWorkflow(client, pipelineWorkflow, {
        taskQueue,
        workflowId: 'pipeline-record',
        args: [{ normalizeSlots: 2, maxAttempts: 2 }],
      });
      const failedBatchId = await waitFor('a failed batch', async () => {
        const list = (await redis.xrange(keys.failedBatches, '-', '+')) as [string, string[]][];
        return list[0] ? fieldMap(list[0][1]).batch_id : undefined;
      });
      await firstRunEnded(client, pipeline, pipeline.firstExecutionRunId);
      await save(client, 'pipeline', pipeline, pipeline.firstExecutionRunId);
      await pipeline.terminate('recorded');

      // replayBatch: once applied, once already applied.
      await redis.hdel(keys.anomalyState, instrumentId('BAD', 'record'));
      for (const name of ['replay-batch', 'replay-batch-again']) {
        const h = await startWorkflow(client, replayBatchWorkflow, {
          taskQueue,
          workflowId: name,
          args: [{ batchId: failedBatchId }],
        });
        await h.result();
        await save(client, name, h);
      }
    }

    if (want('archive-day', 'archive-day-again', 'archive-day-dispatch')) {
      // archiveDay: a day under its own id (copy, verify, manifest, trim), the same day again
      // (manifest found: trim only), and a run without a day (the Schedule's), which starts the
      // day's run as a child.
      const archive = await startWorkflow(client, archiveDayWorkflow, {
        taskQueue,
        workflowId: archiveWorkflowId(yesterday),
        args: [{ day: yesterday }],
      });
      await archive.result();
      await save(client, 'archive-day', archive);
      const again = await startWorkflow(client, archiveDayWorkflow, {
        taskQueue,
        workflowId: archiveWorkflowId(yesterday),
        args: [{ day: yesterday }],
      });
      await again.result();
      await save(client, 'archive-day-again', again);
      const dispatch = await startWorkflow(client, archiveDayWorkflow, {
        taskQueue,
        workflowId: 'archive-record-dispatch',
        args: [{}],
      });
      await dispatch.result();
      await save(client, 'archive-day-dispatch', dispatch);
    }

    if (want('redrive-dead-letters')) {
      // redriveDeadLetters: a letter that passes now, redriven once.
      await redis.xadd(
        keys.deadLetters,
        '*',
        ...encodeDeadLetter({
          reason: 'price 5000 is above NORMALIZE_MAX_PRICE',
          feed: 'record',
          adapter: 'simulator',
          sourceStreamId: `${Date.now()}-0`,
          payload: '{"T":"t","S":"AAPL","p":50,"s":1,"t":1700000000000,"i":7}',
        }),
      );
      const redrive = await startWorkflow(client, redriveDeadLettersWorkflow, {
        taskQueue,
        workflowId: 'redrive-record',
        args: [{ filter: { feed: 'record' }, partitions: [0] }],
      });
      await redrive.result();
      await save(client, 'redrive-dead-letters', redrive);
    }

    if (want('backtest-anomalies', 'backtest-anomalies-again')) {
      await recordBacktest(client, config, yesterday);
    }
  } finally {
    built.shutdown();
    await running;
    await built.close();
    await sim.stop();
    await native.close();
    await connection.close();
    await redis.quit();
    await stack.stop();
  }
}

/**
 * backtestAnomalies: yesterday (archived first, unless it is already) under a candidate
 * setting, then the same input again (the stored report: nothing replayed).
 */
async function recordBacktest(client: Client, config: Config, day: string): Promise<void> {
  const archived = await startWorkflow(client, archiveDayWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: 'archive-record-backtest',
    args: [{ day }],
  });
  await archived.result();
  for (const name of ['backtest-anomalies', 'backtest-anomalies-again']) {
    const started = await startBacktest(client, config, {
      from: day,
      to: day,
      set: ['ANOMALY_JUMP_PCT=2.5'],
    });
    const h = client.workflow.getHandle(started.workflowId, started.runId);
    await h.result();
    await save(client, name, h);
  }
}

runCli({
  name: 'record-histories',
  usage: `usage: npm run record-histories [-- --only NAME[,NAME...]]
  runs each workflow on a throw-away stack and saves its history to test/fixtures/histories/
  --only  save only these fixtures (e.g. redrive-dead-letters): a new workflow's history is
          added without re-recording the others, which keep guarding older code paths`,
  options: { only: { type: 'string' } },
  run: ({ values }) => {
    only = values.only ? new Set(values.only.split(',')) : undefined;
    return main();
  },
});
