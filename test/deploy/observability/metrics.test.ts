import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startFeed, startPipelines } from '../../../clients';
import { loadConfig } from '../../../lib/config';
import type { ManagedProcess } from '../../../lib/devstack/child';
import { freePort, waitFor } from '../../../lib/devstack/ports';
import { encodeRaw } from '../../../lib/redis';
import { alertRules, dashboardExpressions } from '../../support/observability';
import { exposedNames, isExposed, promqlMetricNames } from '../../support/promql';
import { findTool, runTool } from '../../support/promtool';
import {
  redisFixture,
  temporalFixture,
  testEnv,
  type RedisFixture,
  type TemporalFixture,
} from '../../support/stack';
import { spawnAppProcess } from '../../support/worker-process';

/**
 * Temporal SDK series that Core creates on their first event (a failed activity, a refused
 * request), so a healthy run does not show them. Each must still be a name Core knows: its
 * base name is looked up in the SDK's native library.
 */
const SDK_ON_FIRST_EVENT = [
  'temporal_request_failure_total',
  'temporal_activity_execution_failed_total',
];

/** Series Prometheus makes itself. */
const PROMETHEUS_OWN = ['up'];

function nativeLibraries(): Buffer[] {
  const releases = join(
    dirname(require.resolve('@temporalio/core-bridge/package.json')),
    'releases',
  );
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  return readdirSync(releases)
    .filter(
      (triple) =>
        triple.startsWith(arch) &&
        triple.includes(process.platform === 'darwin' ? 'darwin' : 'linux'),
    )
    .map((triple) => readFileSync(join(releases, triple, 'index.node')));
}

/**
 * The real processes — worker, API, simulator, each started as `npm run <process>` starts it —
 * with the simulator feed and the pipeline running through them: each one's `/metrics` passes
 * `promtool check metrics`, and every metric the alert rules and the dashboard query is one
 * they export.
 */
describe('every process /metrics', () => {
  const scraped = new Map<string, string>();
  const processes: ManagedProcess[] = [];
  let r: RedisFixture;
  let temporal: TemporalFixture;
  let ports: { worker: number; api: number; simulator: number };
  const workflowIds: string[] = [];

  beforeAll(async () => {
    ports = { worker: await freePort(), api: await freePort(), simulator: await freePort() };
    const env = testEnv({
      WORKER_METRICS_PORT: String(ports.worker),
      API_PORT: String(ports.api),
      API_AUTH_MODE: 'dev',
      SIMULATOR_HOST: '127.0.0.1',
      SIMULATOR_PORT: String(ports.simulator),
      SIMULATOR_EVENTS_PER_SECOND: '200',
      PIPELINE_BLOCK_MS: '100',
      WORKER_SHUTDOWN_GRACE_MS: '2000',
    });
    const config = loadConfig(env);
    const tag = config.temporal.taskQueue;
    processes.push(
      spawnAppProcess(`metrics-simulator-${tag}`, 'simulator/main.ts', env),
      spawnAppProcess(`metrics-worker-${tag}`, 'workers/main.ts', env),
      spawnAppProcess(`metrics-api-${tag}`, 'api/main.ts', env),
    );
    r = redisFixture(config);
    temporal = await temporalFixture(config);
    const ok = (url: string) => async () => (await fetch(url)).ok;
    await waitFor('simulator', ok(`http://127.0.0.1:${ports.simulator}/healthz`), 60_000);
    await waitFor('api', ok(`http://127.0.0.1:${ports.api}/readyz`), 60_000);
    await waitFor('worker ready', ok(`http://127.0.0.1:${ports.worker}/readyz`), 120_000);

    for (const started of await startPipelines(temporal.client, config)) {
      workflowIds.push(started.workflowId);
    }
    const feed = await startFeed(temporal.client, config, {
      name: 'simulator',
      adapter: 'simulator',
      url: `ws://127.0.0.1:${ports.simulator}`,
    });
    workflowIds.push(feed.workflowId);
    // A frame no adapter parses: a dead letter.
    await r.redis.xadd(
      r.keys.partition(0).rawEvents,
      '*',
      ...encodeRaw({
        feed: 'simulator',
        adapter: 'simulator',
        recvTs: Date.now(),
        sourceId: '',
        payload: '{not json',
        parseError: 'invalid JSON',
      }),
    );
    // GraphQL traffic, one operation failing with a client error.
    const gql = (query: string) =>
      fetch(`http://127.0.0.1:${ports.api}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
    await gql('query Quotes { quotes(first: 5) { totalCount } }');
    await gql('query Bad { quote(ticker: "bad ticker") { price } }');

    // Wait for what the pipeline exports once data went through every stage.
    const expected: Record<string, RegExp> = {
      freshness: /^finline_freshness_seconds_count\{[^}]*\} [1-9]/m,
      deadLetter: /^finline_dead_letters_total\{[^}]*reason="unparseable_frame"[^}]*\} [1-9]/m,
      sdk: /^temporal_activity_execution_latency_seconds_count\{/m,
      // A stream label holds its hash tag (raw:{p0}:events): no [^}]* here.
      lag: /^finline_stream_group_lag\{.*group="normalize"/m,
    };
    let missing: string[] = Object.keys(expected);
    await waitFor(
      'pipeline metrics',
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${ports.worker}/metrics`)).text();
        missing = Object.entries(expected)
          .filter(([, re]) => !re.test(text))
          .map(([name]) => name);
        return missing.length === 0;
      },
      90_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; missing: ${missing.join(', ')}`);
    });
    for (const [name, port] of Object.entries(ports)) {
      scraped.set(name, await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    }
  }, 300_000);

  afterAll(async () => {
    for (const id of workflowIds) {
      await temporal?.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    }
    await Promise.all(processes.map((p) => p.stop(10_000)));
    await temporal?.close();
    await r?.close();
  }, 60_000);

  it.each(['worker', 'api', 'simulator'])('%s: promtool check metrics passes', (name) => {
    const text = scraped.get(name) ?? '';
    expect(text).toMatch(/^# HELP finline_/m);
    const result = runTool(findTool('promtool'), ['check', 'metrics'], text);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('promtool check metrics rejects what it should (the check can fail)', () => {
    const bad = '# HELP x_total a\n# TYPE x_total counter\nx_total{operationName="q"} 1\n';
    const result = runTool(findTool('promtool'), ['check', 'metrics'], bad);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/camelCase/);
  });

  it('uses the finline_ prefix and snake_case labels for every metric of its own', () => {
    for (const [name, text] of scraped) {
      const families = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
      const foreign = families.filter((f) => !/^(finline_|temporal_|process_|nodejs_)/.test(f));
      expect([name, foreign]).toEqual([name, []]);
      const labels = [...text.matchAll(/[{,]([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((m) => m[1]!);
      expect([name, labels.filter((l) => /[A-Z]/.test(l))]).toEqual([name, []]);
    }
  });

  it('includes the Temporal SDK series and pipeline health in the worker /metrics', () => {
    const worker = scraped.get('worker') ?? '';
    for (const series of [
      /^temporal_worker_task_slots_available\{[^}]*worker_type="ActivityWorker"/m,
      /^temporal_activity_schedule_to_start_latency_seconds_bucket\{/m,
      /^finline_stream_group_lag\{stream="raw:\{p0\}:events",group="normalize",service="worker"\} \d+/m,
      /^finline_stream_group_pending\{stream="normalized:\{p0\}:events",group="cachepub",service="worker"\} \d+/m,
      /^finline_stream_length\{stream="raw:\{p0\}:events",service="worker"\} [1-9]/m,
      /^finline_failed_batches\{stage="normalize",service="worker"\} 0$/m,
      /^finline_redis_memory_used_bytes\{node="[^"]+",service="worker"\} [1-9]/m,
      /^finline_ingest_connected\{feed="simulator",service="worker"\} 1$/m,
      /^finline_ingest_last_message_age_seconds\{feed="simulator",service="worker"\} \d/m,
      /^finline_batch_events_total\{stage="cachepub",outcome="ok",service="worker"\} [1-9]/m,
    ]) {
      expect(worker).toMatch(series);
    }
    // No archived day yet: no sample that would read as 1970.
    expect(worker).not.toMatch(/^finline_archive_last_day_age_seconds\{/m);
  });

  it('answers /readyz on the worker with each check', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.worker}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, redis: true, temporal: true, worker: true });
  });

  it('exports every metric the alert rules and the dashboard query', async () => {
    const exposed = new Set([...scraped.values()].flatMap((t) => [...exposedNames(t)]));
    const native = nativeLibraries();
    expect(native.length).toBeGreaterThan(0);
    for (const name of SDK_ON_FIRST_EVENT) {
      const base = name.replace(/^temporal_/, '').replace(/_total$/, '');
      expect([name, native.some((lib) => lib.includes(base))]).toEqual([name, true]);
      exposed.add(name);
    }
    for (const name of PROMETHEUS_OWN) exposed.add(name);
    const queries = [
      ...alertRules().map((a) => ({ where: `alert ${a.alert}`, expr: a.expr })),
      ...dashboardExpressions().map((d) => ({ where: `panel ${d.panel}`, expr: d.expr })),
    ];
    const missing: string[] = [];
    for (const { where, expr } of queries) {
      for (const name of await promqlMetricNames(expr)) {
        if (!isExposed(name, exposed)) missing.push(`${where}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
