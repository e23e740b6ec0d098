import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapWorkflows } from '../../clients';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { createSimulator } from '../../simulator';
import { startTestApi, type TestApi } from '../support/api';
import {
  rewrite,
  runnableBlocks,
  SKIP_REASONS,
  type DocBlock,
  type Rewrites,
} from '../support/doc-blocks';
import {
  redisFixture,
  temporalFixture,
  testEnv,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually } from '../support/temporal';
import { spawnWorkerProcess } from '../support/worker-process';
import type { ManagedProcess } from '../../lib/devstack';
import { loadConfig } from '../../lib/config';

/**
 * Docs that run: every shell block and GraphQL document of README.md and docs/*.md runs
 * against a real stack (simulator, worker, API, Temporal, Redis) started as `npm start`
 * starts it, with the default ports and task queue rewritten to the test stack's. A block
 * that needs the internet, Docker or runs until stopped says so in the doc, right above it
 * (`<!-- docs-test: skip=<reason> -->`); no other block may be skipped.
 */
describe('the examples of README.md and docs/*.md', () => {
  const archiveDir = mkdtempSync(join(tmpdir(), 'fin-line-docs-archive-'));
  const env = testEnv({
    ARCHIVE_DIR: archiveDir,
    SIMULATOR_SPIKE_PROBABILITY: '0',
    PIPELINE_BLOCK_MS: '100',
    WORKER_SHUTDOWN_GRACE_MS: '2000',
  });
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, name: 'docs-test' });
  const blocks = runnableBlocks();
  let sim: ReturnType<typeof createSimulator>;
  let temporal: TemporalFixture;
  let worker: ManagedProcess;
  let api: TestApi;
  let fx: RedisFixture;
  let rewrites: Rewrites;

  beforeAll(async () => {
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    // The worker as npm start runs it: its own process, with its metrics port.
    const workerMetricsPort = await freePort();
    worker = spawnWorkerProcess('docs-worker', {
      ...env,
      WORKER_METRICS_PORT: String(workerMetricsPort),
    });
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${workerMetricsPort}/healthz`).catch(() => undefined))?.ok,
      60_000,
      'the worker',
    );
    api = await startTestApi(config);
    // The simulator's port is fixed before the feed starts: bootstrap connects to it.
    sim = createSimulator({ config: config.simulator, logger, registry: createRegistry('docs') });
    const { port } = await sim.start();
    const simulatorConfig = loadConfig({ ...env, SIMULATOR_PORT: String(port) });
    await bootstrapWorkflows(temporal.client, simulatorConfig);
    rewrites = {
      apiPort: Number(new URL(api.base).port),
      simulatorPort: port,
      workerMetricsPort,
      taskQueue: config.temporal.taskQueue,
      pipelineWorkflowId: config.pipeline.workflowId,
    };
    // The examples read AAPL's quote: wait for the pipeline to have written it.
    await eventually(
      async () => !(await api.gql('{ quote(ticker: "AAPL") { ticker } }')).body.errors,
      60_000,
      'a quote for AAPL',
    );
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    if (temporal) {
      const running = temporal.client.workflow.list({
        query: `TaskQueue = '${config.temporal.taskQueue}' AND ExecutionStatus = 'Running'`,
      });
      for await (const w of running)
        await temporal.client.workflow
          .getHandle(w.workflowId)
          .terminate('docs test done')
          .catch(() => undefined);
    }
    await worker?.stop(10_000);
    await sim?.stop();
    await temporal?.close();
    await fx?.close();
  });

  it('finds the examples, and every skipped one gives a known reason', () => {
    expect(blocks.length).toBeGreaterThan(8);
    const unknown = blocks.filter(
      (b) => b.skip !== undefined && !(SKIP_REASONS as readonly string[]).includes(b.skip),
    );
    expect(unknown.map((b) => `${b.file}:${b.line} skip=${b.skip}`)).toEqual([]);
  });

  const label = (b: DocBlock) => `${b.file}:${b.line} (${b.lang})`;
  const toRun = blocks.filter((b) => b.skip === undefined);
  it.each(toRun.map((b) => [label(b), b] as const))(
    '%s runs as written',
    async (_label, block) => {
      if (block.lang === 'graphql') {
        const r = await api.gql(block.text);
        expect([label(block), r.body.errors ?? []]).toEqual([label(block), []]);
        return;
      }
      const script = rewrite(block.text, rewrites);
      const r = await bash(script, {
        ...process.env,
        ...env,
        SIMULATOR_PORT: String(rewrites.simulatorPort),
        TEMPORAL_ADDRESS: config.temporal.address,
        TEMPORAL_NAMESPACE: config.temporal.namespace,
      });
      const failure = {
        block: label(block),
        script,
        code: r.code,
        stdout: r.stdout.slice(-2000),
        stderr: r.stderr.slice(-2000),
      };
      expect({ ...failure, code: r.code }).toEqual({ ...failure, code: 0 });
      // A GraphQL answer with errors is a failed example even though curl exits 0.
      expect({ ...failure, errors: /"errors"\s*:/.test(r.stdout) }).toEqual({
        ...failure,
        errors: false,
      });
    },
    180_000,
  );
});

function bash(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-euo', 'pipefail', '-c', script],
      { cwd: PROJECT_ROOT, env, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
