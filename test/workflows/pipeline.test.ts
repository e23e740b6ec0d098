import { WorkflowFailedError } from '@temporalio/client';
import { instrumentId } from '../../lib/domain';
import { decodeAnomaly, decodeDeadLetter, encodeRaw, fieldMap } from '../../lib/redis';
import { executeWorkflow, startWorkflow, workflowHandle } from '../../clients';
import { pipelineStatusQuery, pipelineWorkflow, replayBatchWorkflow } from '../../contract';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

type Entry = [string, string[]];

describe('pipeline workflow on a real Temporal server and Redis', () => {
  const config = testConfig({
    PIPELINE_BLOCK_MS: '100',
    PIPELINE_BATCH_SIZE: '50',
    PIPELINE_MAX_ATTEMPTS: '2',
  });
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    worker = await startTestWorker(config, temporal);
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await fx?.close();
  });

  const raw = (payload: unknown, sourceId = '') =>
    encodeRaw({
      feed: 'sim',
      adapter: 'simulator',
      recvTs: Date.now(),
      sourceId,
      payload: JSON.stringify(payload),
    });

  async function startPipeline(partition: number): Promise<string> {
    const workflowId = uniqueId('pipeline');
    await startWorkflow(temporal.client, pipelineWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ partition, normalizeSlots: 2, maxAttempts: 2 }],
    });
    return workflowId;
  }

  it('normalizes, dead-letters, caches the latest quote and flags a spike, accounting for every event', async () => {
    const { redis } = fx;
    // AAPL and MSFT share a partition (jump hash of the ticker, P = 4): one pipeline runs it.
    const keys = fx.keys.forTicker('AAPL');
    expect(fx.keys.forTicker('MSFT')).toBe(keys);
    const t0 = 1_700_000_000_000;
    let seq = 0;
    let price = 100;
    for (let i = 0; i < 120; i++) {
      price = Math.round(price * (1 + (i % 2 ? 0.001 : -0.001)) * 100) / 100;
      await redis.xadd(
        keys.rawEvents,
        '*',
        ...raw({ T: 't', S: 'AAPL', p: price, s: 10, t: t0 + i, i: ++seq }, String(seq)),
      );
    }
    await redis.xadd(
      keys.rawEvents,
      '*',
      ...raw({ T: 't', S: 'AAPL', p: 130, s: 10, t: t0 + 500, i: ++seq }, String(seq)),
    );
    await redis.xadd(
      keys.rawEvents,
      '*',
      ...raw({ T: 'q', S: 'MSFT', bp: 369.66, bs: 2, ap: 369.68, as: 3, t: t0 + 600, i: ++seq }),
    );
    await redis.xadd(
      keys.rawEvents,
      '*',
      ...raw({ T: 't', S: 'MSFT', p: -1, s: 1, t: t0, i: ++seq }),
    );
    await redis.xadd(
      keys.rawEvents,
      '*',
      ...encodeRaw({
        feed: 'sim',
        adapter: 'simulator',
        recvTs: 1,
        sourceId: '',
        payload: '{"T":"t",',
        parseError: 'invalid JSON',
      }),
    );
    // The spike again, as a provider re-sends after a reconnect: same feed, same id.
    await redis.xadd(
      keys.rawEvents,
      '*',
      ...raw({ T: 't', S: 'AAPL', p: 130, s: 10, t: t0 + 500, i: 121 }, '121'),
    );

    const workflowId = await startPipeline(keys.partition);
    const handle = workflowHandle(temporal.client, pipelineWorkflow, workflowId);
    await eventually(
      async () => (await redis.xlen(keys.normalizedEvents)) === 122,
      30_000,
      'normalized events',
    );
    await eventually(
      async () => (await redis.xlen(keys.deadLetters)) === 2,
      10_000,
      'dead letters',
    );

    const dead = ((await redis.xrange(keys.deadLetters, '-', '+')) as Entry[]).map(([, f]) =>
      decodeDeadLetter(f),
    );
    expect(dead.map((d) => d.reason).sort()).toEqual([
      'invalid price p',
      'unparseable frame: invalid JSON',
    ]);
    expect(dead.find((d) => d.reason === 'invalid price p')?.payload).toContain('"p":-1');

    const aapl = await eventually(async () => {
      const h = await redis.hgetall(keys.latestQuote('AAPL'));
      return h.price === '130' ? h : undefined;
    });
    expect(aapl.sector).toBe('Technology');
    expect(await redis.hget(keys.latestQuote('MSFT'), 'price')).toBe('369.67');

    const anomalies = await eventually(async () => {
      const list = ((await redis.xrange(keys.anomalies, '-', '+')) as Entry[]).map(([id, f]) =>
        decodeAnomaly(id, f),
      );
      return list.some((a) => a.type === 'price_jump') ? list : undefined;
    });
    const jump = anomalies.find((a) => a.type === 'price_jump')!;
    expect(jump.ticker).toBe('AAPL');
    expect(jump.price).toBe('130');
    expect(jump.statistic).toBeGreaterThan(25);
    expect(jump.sourceIds).toHaveLength(2);

    const status = await eventually(async () => {
      const s = await handle.query(pipelineStatusQuery);
      return s.stages.anomaly.events === 122 && s.stages.cachepub.events === 122 ? s : undefined;
    });
    expect(status.stages.normalize).toMatchObject({
      events: 125,
      out: 122,
      deadLettered: 2,
      duplicates: 1,
      failed: 0,
      lag: 0,
    });
    // The newest chunk as a batch id of this partition's stage (what replayBatch takes).
    expect(status.stages.anomaly.lastBatchId).toMatch(
      new RegExp(`^anomaly-p${keys.partition}-\\d+-\\d+$`),
    );
    // The durable counters, written in the same commits: in = normalized + duplicate + dead.
    expect(await redis.hgetall(keys.pipelineStats)).toEqual({
      'normalize:in': '125',
      'normalize:dead_letter': '2',
      'normalize:duplicate': '1',
    });
    const pending = (await redis.xpending(keys.rawEvents, 'normalize')) as [number];
    expect(pending[0]).toBe(0);
    await handle.terminate('test done');
  });

  it('records a batch that keeps failing, moves on, and replays it once', async () => {
    const { redis } = fx;
    const keys = fx.keys.forTicker('BAD');
    const bad = instrumentId('BAD', 'sim');
    await redis.del(
      keys.rawEvents,
      keys.normalizedEvents,
      keys.anomalies,
      keys.anomalyState,
      keys.failedBatches,
    );
    // Corrupt window state makes every anomaly batch for this ticker throw.
    await redis.hset(keys.anomalyState, bad, '{not json');
    await redis.xadd(
      keys.rawEvents,
      '*',
      ...raw({ T: 't', S: 'BAD', p: 10, s: 1, t: 1_700_000_000_000, i: 9001 }, '9001'),
    );
    const workflowId = await startPipeline(keys.partition);
    const handle = workflowHandle(temporal.client, pipelineWorkflow, workflowId);

    const failed = await eventually(
      async () => {
        const list = (await redis.xrange(keys.failedBatches, '-', '+')) as Entry[];
        return list.length > 0 ? fieldMap(list[0]![1]) : undefined;
      },
      30_000,
      'failed batch record',
    );
    expect(failed).toMatchObject({ stage: 'anomaly', attempts: '2' });
    expect(failed.error).toMatch(/JSON/);
    const s = await handle.query(pipelineStatusQuery);
    expect(s.stages.anomaly.failed).toBe(1);

    // A replay with the state still corrupt fails; once it is repaired the replay applies, once.
    const replay = (id: string) =>
      executeWorkflow(temporal.client, replayBatchWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: id,
        args: [{ batchId: failed.batch_id! }],
      });
    await expect(replay(uniqueId('replay'))).rejects.toBeInstanceOf(WorkflowFailedError);
    await redis.hdel(keys.anomalyState, bad);
    await redis.xadd(
      keys.rawEvents,
      '*',
      ...raw({ T: 't', S: 'BAD', p: 20, s: 1, t: 1_700_000_000_001, i: 9002 }, '9002'),
    );
    await eventually(
      async () => (await redis.hexists(keys.anomalyState, bad)) === 1,
      10_000,
      'state rebuilt',
    );
    await redis.hdel(keys.anomalyState, bad);
    const first = (await replay(uniqueId('replay'))) as { applied: boolean; count: number };
    const second = (await replay(uniqueId('replay'))) as { applied: boolean };
    expect(first).toMatchObject({ applied: true, count: 1 });
    expect(second.applied).toBe(false);
    expect(JSON.parse((await redis.hget(keys.anomalyState, bad))!)).toMatchObject({ p: 10 });

    // The Temporal UI finds the pipeline run that failed the batch and every replay of it.
    const found = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const w of temporal.client.workflow.list({
          query: `FailedBatchIds = "${failed.batch_id!}"`,
        }))
          ids.push(w.type);
        // Continue-as-new carries the attribute, so the pipeline may be listed once per run.
        const replays = ids.filter((t) => t === 'replayBatch').length;
        return replays === 3 && ids.includes('pipeline') ? [...new Set(ids)].sort() : undefined;
      },
      20_000,
      'visibility of the failed batch',
    );
    expect(found).toEqual(['pipeline', 'replayBatch']);
    await handle.terminate('test done');
  });
});
