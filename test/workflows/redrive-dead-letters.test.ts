import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startPipelines } from '../../clients';
import { pipelineWorkflowId, redriveDeadLettersWorkflow, type RedriveResult } from '../../contract';
import { loadConfig } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';
import { encodeRaw } from '../../lib/redis';
import { startTestApi, type TestApi } from '../support/api';
import {
  redisFixture,
  temporalFixture,
  testEnv,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

/**
 * The redrive end to end on the real stack: trades dead-lettered by the running pipeline
 * under a tight price limit; the worker restarted with the limit raised (the "fix"); an
 * operator redrives them through the GraphQL mutation and the CLI; their ticks reach the
 * latest quotes through the pipeline, and each letter shows its outcome.
 */
describe('redriveDeadLetters workflow, mutation and CLI', () => {
  const env = testEnv({
    PIPELINE_PARTITIONS: '2',
    PIPELINE_BLOCK_MS: '100',
    NORMALIZE_MAX_PRICE: '1000',
    WORKER_SHUTDOWN_GRACE_MS: '1000',
  });
  const strict = loadConfig(env);
  const fixedEnv = { ...env, NORMALIZE_MAX_PRICE: '100000' };
  const fixed = loadConfig(fixedEnv);
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
  let api: TestApi;
  const tickers = ['AAPL', 'MSFT', 'NVDA', 'TSLA'];

  beforeAll(async () => {
    fx = redisFixture(strict);
    temporal = await temporalFixture(strict);
    api = await startTestApi(fixed);
  });
  afterAll(async () => {
    for (const p of [0, 1]) {
      await temporal?.client.workflow
        .getHandle(pipelineWorkflowId(strict.pipeline.workflowId, p))
        .terminate('test done')
        .catch(() => undefined);
    }
    await worker?.stop();
    await api?.close();
    await temporal?.close();
    await fx?.close();
  });

  const letterCount = async () => {
    let n = 0;
    for (const k of fx.keys.all) n += await fx.redis.xlen(k.deadLetters);
    return n;
  };

  it('redrives what the fix lets through, once, and the ticks reach the quotes', async () => {
    worker = await startTestWorker(strict, temporal);
    await startPipelines(temporal.client, strict);
    const t = Date.now();
    for (const [i, ticker] of tickers.entries()) {
      const payload = JSON.stringify({ T: 't', S: ticker, p: 5000 + i, s: 1, t: t + i, i: i + 1 });
      await fx.redis.xadd(
        fx.keys.forTicker(ticker).rawEvents,
        '*',
        ...encodeRaw({ feed: 'sim', adapter: 'simulator', recvTs: t, sourceId: '', payload }),
      );
    }
    await eventually(async () => (await letterCount()) === 4, 30_000, 'four dead letters');
    const listed = await api.gql(
      '{ deadLetters(first: 10) { edges { node { id reason redrive { outcome } } } } }',
    );
    const nodes = (
      listed.body.data as {
        deadLetters: { edges: { node: { reason: string; redrive: unknown } }[] };
      }
    ).deadLetters.edges.map((e) => e.node);
    expect(nodes).toHaveLength(4);
    expect(nodes.every((n) => /price/.test(n.reason) && n.redrive === null)).toBe(true);

    // The fix: the worker comes back with the limit raised.
    await worker.stop();
    worker = await startTestWorker(fixed, temporal);

    // A dry run through the CLI first: it says what would happen and changes nothing.
    const dry = await cli(['--feed', 'sim', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const dryResult = JSON.parse(dry.stdout) as RedriveResult;
    expect(dryResult).toMatchObject({ dryRun: true, matched: 4, normalized: 4, deadLettered: 0 });
    expect(await fx.redis.hlen(fx.keys.partition(0).redriveOutcomes)).toBe(0);

    const started = await api.gql(
      'mutation { redriveDeadLetters(filter: { feed: "sim", reasonContains: "price" }) { workflowId runId started } }',
    );
    expect(started.body.errors).toBeUndefined();
    const ref = (started.body.data as { redriveDeadLetters: { workflowId: string; runId: string } })
      .redriveDeadLetters;
    expect(ref.workflowId).toMatch(/^redrive-/);
    const handle = temporal.client.workflow.getHandle(ref.workflowId, ref.runId);
    const desc = await handle.describe();
    expect(desc.type).toBe(redriveDeadLettersWorkflow.name);
    const result = (await handle.result()) as RedriveResult;
    expect(result).toMatchObject({ matched: 4, normalized: 4, alreadyRedriven: 0 });
    expect(result.partitions.map((p) => p.partition)).toEqual([0, 1]);

    // Through the pipeline to the latest quotes: each ticker's price is its redriven trade's.
    for (const [i, ticker] of tickers.entries()) {
      await eventually(
        async () => {
          const q = await api.gql(`{ quote(ticker: "${ticker}") { price } }`);
          const quote = (q.body.data as { quote: { price: unknown } | null } | undefined)?.quote;
          return quote && String(quote.price) === String(5000 + i);
        },
        30_000,
        `${ticker}'s redriven quote`,
      );
    }
    const after = await api.gql(
      '{ deadLetters(first: 10) { edges { node { redrive { outcome workflowId } } } } }',
    );
    const outcomes = (
      after.body.data as {
        deadLetters: { edges: { node: { redrive: { outcome: string; workflowId: string } } }[] };
      }
    ).deadLetters.edges.map((e) => e.node.redrive);
    expect(outcomes).toEqual(
      tickers.map(() => ({ outcome: 'normalized', workflowId: ref.workflowId })),
    );

    // Once: the CLI asks again and every letter was taken.
    const again = await cli(['--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      matched: 4,
      alreadyRedriven: 4,
      normalized: 0,
    });
    let ticks = 0;
    for (const k of fx.keys.all) ticks += await fx.redis.xlen(k.normalizedEvents);
    expect(ticks).toBe(4);
  }, 240_000);

  it('refuses a bad filter precisely, before anything starts', async () => {
    const r = await api.gql(
      'mutation { redriveDeadLetters(filter: { partitions: [5] }) { workflowId } }',
    );
    expect(r.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argumentName: 'filter.partitions',
    });
    const c = await cli(['--partition', '7']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--partition: must be distinct partitions 0-1[\s\S]*usage:/);
  });

  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'redrive.ts'), ...args],
        { cwd: PROJECT_ROOT, env: { ...process.env, ...fixedEnv }, timeout: 60_000 },
        (err, stdout, stderr) => {
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
            stdout,
            stderr,
          });
        },
      );
    });
  }
});
