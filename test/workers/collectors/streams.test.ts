import { Registry } from 'prom-client';
import { createLogger } from '../../../lib/logger';
import { createRedis, encodeFailedBatch, GROUPS } from '../../../lib/redis';
import { registerFailedBatchCollector, registerStreamCollector } from '../../../workers/collectors';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

const logger = createLogger({ level: 'silent', name: 'test' });

/** The value of one sample in a registry's exposition, or undefined when it is absent. */
async function sample(registry: Registry, name: string, labels: Record<string, string>) {
  const metric = await registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((v) =>
    Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  );
  return found?.value;
}

describe('worker collectors read on scrape', () => {
  const config = testConfig();
  let r: RedisFixture;
  beforeAll(() => {
    r = redisFixture(config);
  });
  afterAll(() => r.close());

  it('exports lag and pending per stream and group, stream lengths and Redis memory', async () => {
    const { redis } = r;
    const keys = r.keys.partition(0);
    await redis.xgroup('CREATE', keys.rawEvents, GROUPS.normalize, '0', 'MKSTREAM');
    for (let i = 0; i < 5; i++) await redis.xadd(keys.rawEvents, '*', 'n', String(i));
    // Two delivered (pending), three not yet delivered (lag).
    await redis.xreadgroup(
      'GROUP',
      GROUPS.normalize,
      'c',
      'COUNT',
      2,
      'STREAMS',
      keys.rawEvents,
      '>',
    );
    const registry = new Registry();
    registerStreamCollector(registry, { redis, keys: r.keys, logger });
    const labels = { stream: 'raw:{p0}:events', group: 'normalize' };
    expect(await sample(registry, 'finline_stream_group_lag', labels)).toBe(3);
    expect(await sample(registry, 'finline_stream_group_pending', labels)).toBe(2);
    expect(await sample(registry, 'finline_stream_length', { stream: 'raw:{p0}:events' })).toBe(5);
    expect(
      await sample(registry, 'finline_stream_length', { stream: 'anomalies:{p1}:events' }),
    ).toBe(0);
    expect(await sample(registry, 'finline_redis_memory_used_bytes', {})).toBeGreaterThan(0);
    // Several scrapes within maxAgeMs share one read.
    await redis.xadd(keys.rawEvents, '*', 'n', '5');
    expect(await sample(registry, 'finline_stream_length', { stream: 'raw:{p0}:events' })).toBe(5);
  });

  it('leaves the series out, without hanging, when Redis does not answer', async () => {
    const down = createRedis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const registry = new Registry();
    registerStreamCollector(registry, { redis: down, keys: r.keys, logger, timeoutMs: 500 });
    const started = Date.now();
    const text = await registry.metrics();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(text).not.toMatch(/^finline_stream_group_lag\{/m);
    expect(text).not.toMatch(/^finline_redis_memory_used_bytes\{/m);
    // Counted during the scrape, so the next one shows it (the failed read is reused: one error).
    expect(await registry.metrics()).toMatch(
      /^finline_collector_errors_total\{collector="streams"\} 1$/m,
    );
    down.disconnect();
  });

  it('counts failed batches of the last 29 days that were not replayed', async () => {
    const { redis } = r;
    const keys = r.keys.partition(1);
    const now = Date.now();
    const add = async (batchId: string, stage: string, atMs: number) =>
      redis.xadd(
        keys.failedBatches,
        `${atMs}-0`,
        ...encodeFailedBatch({
          batchId,
          stage,
          stream: keys.rawEvents,
          ids: ['1-0'],
          error: 'boom',
          attempts: 5,
          failedAt: atMs,
        }),
      );
    await add('normalize-old', 'normalize', now - 40 * 24 * 3600 * 1000);
    await add('normalize-1', 'normalize', now - 3000);
    await add('normalize-2', 'normalize', now - 2000);
    await add('anomaly-1', 'anomaly', now - 1000);
    await redis.set(keys.batchMarker('normalize-2'), '1');
    const registry = new Registry();
    registerFailedBatchCollector(registry, { redis, keys: r.keys, logger });
    expect(await sample(registry, 'finline_failed_batches', { stage: 'normalize' })).toBe(1);
    expect(await sample(registry, 'finline_failed_batches', { stage: 'anomaly' })).toBe(1);
    expect(await sample(registry, 'finline_failed_batches', { stage: 'cachepub' })).toBe(0);
  });
});
