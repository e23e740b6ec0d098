import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Env } from '../../lib/config';
import { PROJECT_ROOT, findRedisServer } from '../../lib/devstack/binaries';
import { spawnManaged, type ManagedProcess } from '../../lib/devstack/child';
import { isListening } from '../../lib/devstack/ports';
import { allTemporalServerPorts } from '../../lib/devstack/temporal-postgres-server';
import { createRedis, encodeFailedBatch, keysOf, type Redis } from '../../lib/redis';
import { pipelineWorkflowId } from '../../contract';
import { eventually } from '../support/temporal';

const run = promisify(execFile);

/**
 * A port whose `offsets` around it are all free too (the Temporal server's layout, a bus port),
 * below the ephemeral range: the Temporal server keeps membership ports in a smallint column.
 */
async function freePortWith(offsets: readonly number[], taken: Set<number>): Promise<number> {
  for (;;) {
    const p = 2000 + Math.floor(Math.random() * 20_000);
    const all = offsets.map((o) => p + o);
    if (all.some((q) => q < 1024 || q > 32_767 || taken.has(q))) continue;
    const busy = await Promise.all(all.map((q) => isListening('127.0.0.1', q)));
    if (busy.some(Boolean)) continue;
    for (const q of all) taken.add(q);
    return p;
  }
}

/**
 * `npm run start:cluster` end to end, on ports of its own (beside the suite's dev server and
 * Redis): the Temporal server on PostgreSQL and a 3-master Redis Cluster come up, the simulator's
 * quotes reach GraphQL on both API processes, a spike becomes an anomaly, a day is archived, a
 * failed batch is replayed, and Ctrl-C stops everything.
 */
describe('npm run start:cluster', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fin-line-cluster-'));
  // As root, PostgreSQL runs as the postgres user, which must reach its folder inside this one.
  chmodSync(dataDir, 0o755);
  let env: Env;
  let stack: ManagedProcess;
  let out = '';
  let connection: Connection;
  let client: Client;
  let redis: Redis;
  let apis: string[];
  let redisPorts: number[];
  let simulator: string;

  async function gql<T>(api: string, query: string): Promise<T> {
    const res = await fetch(`${api}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  }

  beforeAll(async () => {
    const taken = new Set<number>();
    const frontend = await freePortWith(
      [...allTemporalServerPorts(0), 1000], // the UI on frontend + 1000, as 7233 → 8233
      taken,
    );
    redisPorts = [];
    for (let i = 0; i < 3; i++) redisPorts.push(await freePortWith([0, 10_000], taken));
    const api = await freePortWith([0, 1], taken);
    const metrics = await freePortWith([0, 1], taken);
    const sim = await freePortWith([0], taken);
    env = {
      // As a developer runs it (jest sets NODE_ENV=test): the APIs in auth dev mode.
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      TEMPORAL_ADDRESS: `127.0.0.1:${frontend}`,
      TEMPORAL_UI_PORT: String(frontend + 1000),
      REDIS_CLUSTER_NODES: redisPorts.map((p) => `127.0.0.1:${p}`).join(','),
      API_PORT: String(api),
      WORKER_METRICS_PORT: String(metrics),
      SIMULATOR_PORT: String(sim),
      SIMULATOR_EVENTS_PER_SECOND: '200',
      SIMULATOR_SPIKE_PROBABILITY: '0',
      PIPELINE_BLOCK_MS: '200',
      WORKER_SHUTDOWN_GRACE_MS: '2000',
      SHUTDOWN_TIMEOUT_MS: '5000',
    };
    apis = [api, api + 1].map((p) => `http://127.0.0.1:${p}`);
    simulator = `http://127.0.0.1:${sim}`;
    stack = spawnManaged(
      'start-cluster',
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/start-cluster.ts')],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...env } },
    );
    stack.child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    stack.child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    await eventually(
      () => {
        if (stack.child.exitCode !== null) throw new Error(`start:cluster exited:\n${out}`);
        return Promise.resolve(out.includes('fin-line is running'));
      },
      170_000,
      'start:cluster to print its URLs',
    );
    connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
    client = new Client({ connection });
    redis = createRedis(loadConfig(env).redis);
  }, 180_000);

  afterAll(async () => {
    redis?.disconnect();
    await connection?.close();
    await stack?.stop(60_000);
    rmSync(dataDir, { recursive: true, force: true });
  }, 70_000);

  it('runs the Temporal server on PostgreSQL and a healthy 3-master Redis Cluster', async () => {
    const info = await connection.workflowService.getClusterInfo({});
    // The dev server reports sqlite: this is the Go server on PostgreSQL.
    expect(info.persistenceStore).toBe('postgres12');
    expect(info.visibilityStore).toBe('postgres12');
    expect(info.serverVersion).toBe('1.32.2');
    expect(Number(info.historyShardCount)).toBeGreaterThanOrEqual(4);
    const cli = join(findRedisServer(process.env.PATH ?? ''), '..', 'redis-cli');
    const { stdout } = await run(cli, ['-p', String(redisPorts[0]), 'cluster', 'info']);
    expect(stdout).toMatch(/cluster_state:ok/);
    expect(stdout).toMatch(/cluster_size:3/);
    const ui = await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);
  });

  it('runs a pipeline workflow per partition, found by its Partition search attribute', async () => {
    const partitions = loadConfig(env).pipeline.partitions;
    for (let p = 0; p < partitions; p++) {
      const d = await client.workflow
        .getHandle(pipelineWorkflowId(loadConfig(env).pipeline.workflowId, p))
        .describe();
      expect(d.status.name).toBe('RUNNING');
    }
    const last = partitions - 1;
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const w of client.workflow.list({
        // Backquoted: PARTITION is a keyword of the server's SQL query parser.
        query: `\`Partition\` = ${last} AND ExecutionStatus = 'Running'`,
      })) {
        ids.push(w.workflowId);
      }
      return ids.length > 0 && ids;
    }, 30_000);
    expect(found).toEqual([pipelineWorkflowId(loadConfig(env).pipeline.workflowId, last)]);
  });

  it('serves live quotes on both APIs, turns a spike into an anomaly, archives and replays', async () => {
    for (const api of apis) {
      await eventually(
        async () =>
          (await gql<{ quotes: { totalCount: number } }>(api, '{ quotes { totalCount } }')).quotes
            .totalCount >= 40,
        60_000,
        `quotes on ${api}`,
      );
    }
    await new Promise((r) => setTimeout(r, 3000));
    const res = await fetch(`${simulator}/spike`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticker: 'AAPL', pct: 15 }),
    });
    const spike = (await res.json()) as { to: string };
    for (const api of apis) {
      await eventually(
        async () =>
          (
            await gql<{ anomalies: { edges: { node: { ticker: string; priceText: string } }[] } }>(
              api,
              '{ anomalies(first: 100) { edges { node { ticker priceText } } } }',
            )
          ).anomalies.edges.some((e) => e.node.ticker === 'AAPL' && e.node.priceText === spike.to),
        30_000,
        `the spike as an anomaly on ${api}`,
      );
    }

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const { triggerArchive } = await gql<{ triggerArchive: { workflowId: string } }>(
      apis[0]!,
      `mutation { triggerArchive(day: "${yesterday}") { workflowId } }`,
    );
    await client.workflow.getHandle(triggerArchive.workflowId).result();

    // A failed cachepub batch of partition 0 over real entries, replayed through the other API.
    const keys = keysOf(loadConfig(env)).partition(0);
    const entries = await redis.xrange(keys.normalizedEvents, '-', '+', 'COUNT', 3);
    expect(entries.length).toBeGreaterThan(0);
    const ids = entries.map(([id]) => id);
    const batchId = `cachepub-p0-${ids[0]}`;
    await redis.xadd(
      keys.failedBatches,
      '*',
      ...encodeFailedBatch({
        batchId,
        stage: 'cachepub',
        stream: keys.normalizedEvents,
        ids,
        error: 'e2e',
        attempts: 5,
        failedAt: Date.now(),
      }),
    );
    const { replayBatch } = await gql<{ replayBatch: { workflowId: string } }>(
      apis[1]!,
      `mutation { replayBatch(batchId: "${batchId}") { workflowId } }`,
    );
    await expect(client.workflow.getHandle(replayBatch.workflowId).result()).resolves.toMatchObject(
      { batchId },
    );
  }, 150_000);

  it('stops cleanly on Ctrl-C', async () => {
    stack.child.kill('SIGINT');
    const code = await Promise.race([
      stack.exited,
      new Promise((r) => setTimeout(() => r('timeout'), 60_000)),
    ]);
    expect(code).toBe(0);
    for (const port of [Number(env.API_PORT), redisPorts[0]!, Number(env.TEMPORAL_UI_PORT)]) {
      expect(await isListening('127.0.0.1', port)).toBe(false);
    }
    const [, frontend] = env.TEMPORAL_ADDRESS!.split(':');
    expect(await isListening('127.0.0.1', Number(frontend))).toBe(false);
  }, 70_000);
});
