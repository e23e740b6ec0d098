import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { WebSocket } from 'ws';
import { pipelineWorkflow } from '../../contract';
import { loadConfig } from '../../lib/config';
import {
  findRedisServer,
  findTemporal,
  freePort,
  startRedisServer,
  startTemporalServer,
  waitFor,
  type ManagedProcess,
} from '../../lib/devstack';
import { entryLogFile, spawnEntry } from '../support/entry-process';
import { testEnv, uniqueId } from '../support/stack';

interface LogLine {
  level: number;
  msg: string;
  err?: { stack?: string };
}

/** The process's JSON log lines; none before its log file exists. */
function logLines(name: string): LogLine[] {
  let text = '';
  try {
    text = readFileSync(entryLogFile(name), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

/** SIGTERM, then how long the process took to exit and with what. */
async function terminate(p: ManagedProcess): Promise<{ ms: number; code: number | string }> {
  const started = Date.now();
  p.child.kill('SIGTERM');
  const code = await p.exited;
  return { ms: Date.now() - started, code };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SHUTDOWN_TIMEOUT_MS = 5000;

/**
 * The real processes, each against a Redis (and for the worker a Temporal dev server) of the
 * test's own that the test then kills: SIGTERM still ends them within the bound, and the log
 * has one line per connection state change plus summaries, not a stack trace per retry.
 */
describe('bounded shutdown with the infrastructure gone', () => {
  const procs: ManagedProcess[] = [];
  const own = <T extends ManagedProcess>(p: T): T => {
    procs.push(p);
    return p;
  };
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop(2000)));
  });

  async function ownRedis(): Promise<{ url: string; proc: ManagedProcess }> {
    const port = await freePort();
    const proc = own(
      await startRedisServer({
        binary: findRedisServer(process.env.PATH ?? ''),
        host: '127.0.0.1',
        port,
      }),
    );
    return { url: `redis://127.0.0.1:${port}`, proc };
  }

  it('the API exits cleanly within the bound while Redis and Temporal are unreachable', async () => {
    const redis = await ownRedis();
    const port = await freePort();
    const name = uniqueId('bounded-api');
    const api = own(
      spawnEntry(
        name,
        'api/main.ts',
        testEnv({
          REDIS_URL: redis.url,
          // Nothing listens there: the API's Temporal connection is lazy and never made.
          TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
          API_PORT: String(port),
          API_AUTH_MODE: 'dev',
          LOG_LEVEL: 'info',
          SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
          CONNECTION_LOG_SUMMARY_MS: '1000',
        }),
      ),
    );
    await waitFor('the API', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
    redis.proc.child.kill('SIGKILL');
    await redis.proc.exited;
    await sleep(3500);
    // Still serving what needs no Redis while it waits.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).ok).toBe(true);

    const { ms, code } = await terminate(api);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);

    const lines = logLines(name);
    const msgs = lines.map((l) => l.msg);
    expect(msgs.filter((m) => m === 'redis: connection lost')).toHaveLength(1);
    expect(msgs.filter((m) => m === 'quote subscriber: connection lost')).toHaveLength(1);
    expect(msgs.filter((m) => m === 'redis: still disconnected').length).toBeGreaterThanOrEqual(2);
    expect(msgs).toContain('stopped');
    // Dozens of retries in 3.5 s; a handful of warnings, none with a stack.
    const warnings = lines.filter((l) => l.level >= 40);
    expect(warnings.length).toBeLessThanOrEqual(12);
    expect(lines.every((l) => l.err?.stack === undefined)).toBe(true);
  });

  it('the worker exits within its bound after Redis and Temporal died under running batches', async () => {
    const redis = await ownRedis();
    const temporalPort = await freePort();
    const temporal = own(
      await startTemporalServer({
        binary: findTemporal(process.env.PATH ?? ''),
        host: '127.0.0.1',
        port: temporalPort,
        namespace: 'default',
        headless: true,
        logFile: join(tmpdir(), `fin-line-bounded-temporal-${temporalPort}.log`),
      }),
    );
    const metricsPort = await freePort();
    const env = testEnv({
      REDIS_URL: redis.url,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      WORKER_METRICS_PORT: String(metricsPort),
      WORKER_SHUTDOWN_GRACE_MS: '2000',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      CONNECTION_LOG_SUMMARY_MS: '1000',
      PIPELINE_BLOCK_MS: '200',
      LOG_LEVEL: 'info',
    });
    const config = loadConfig(env);
    const name = uniqueId('bounded-worker');
    const worker = own(spawnEntry(name, 'workers/main.ts', env));
    // Bundling the workflows takes a while; the signal handlers exist from then on.
    await waitFor(
      'the worker',
      () => Promise.resolve(logLines(name).some((l) => l.msg === 'worker started')),
      90_000,
      250,
    );
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      await client.workflow.start(pipelineWorkflow.name, {
        taskQueue: config.temporal.taskQueue,
        workflowId: uniqueId('pipeline'),
        args: [{ normalizeSlots: 2 }],
      });
      // Batches running: blocked reads on raw:events.
      await sleep(2000);
    } finally {
      await connection.close();
    }
    redis.proc.child.kill('SIGKILL');
    temporal.child.kill('SIGKILL');
    await Promise.all([redis.proc.exited, temporal.exited]);
    await sleep(3000);

    const { ms } = await terminate(worker);
    // Grace for the activities, then the bounded rest; it exits whatever still hangs.
    expect(ms).toBeLessThan(2000 + SHUTDOWN_TIMEOUT_MS + 1000);

    const lines = logLines(name);
    expect(lines.filter((l) => l.msg === 'redis: connection lost')).toHaveLength(1);
    expect(lines.map((l) => l.msg)).toContain('shutting down');
    const text = readFileSync(entryLogFile(name), 'utf8');
    // No connection without a listener printing its own errors.
    expect(text).not.toContain('Unhandled error event');
  });

  it('the simulator exits cleanly within the bound with a client connected', async () => {
    const port = await freePort();
    const name = uniqueId('bounded-sim');
    const sim = own(
      spawnEntry(
        name,
        'simulator/main.ts',
        testEnv({
          SIMULATOR_PORT: String(port),
          SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
          LOG_LEVEL: 'info',
        }),
      ),
    );
    await waitFor(
      'the simulator',
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
    );
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve, reject) => {
      ws.once('message', resolve);
      ws.once('error', reject);
    });
    const { ms, code } = await terminate(sim);
    ws.terminate();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  });
});
