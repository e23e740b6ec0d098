import { LagWatch } from '../../../activities/feed/lag-watch';
import { streamGroups } from '../../../lib/redis';
import { memoryLogger } from '../../support/memory-logger';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

describe('LagWatch (feed backpressure) on a real Redis', () => {
  let fx: RedisFixture;
  beforeEach(() => {
    fx = redisFixture(testConfig());
  });
  afterEach(() => fx.close());

  it('keeps backpressure on when Redis reports the lag as nil, and releases it as the group catches up', async () => {
    const s0 = fx.keys.partition(0).rawEvents;
    const s1 = fx.keys.partition(1).rawEvents;
    const streams = [s0, s1];
    const pipe = fx.redis.pipeline();
    for (let i = 1; i <= 300; i++) pipe.xadd(s0, `100-${i}`, 'n', '1');
    pipe.xadd(s1, '100-1', 'n', '1');
    await pipe.exec();
    await fx.redis.xgroup('CREATE', s0, 'normalize', '0');
    await fx.redis.xgroup('CREATE', s1, 'normalize', '0');
    await fx.redis.xreadgroup('GROUP', 'normalize', 'c', 'COUNT', 10, 'STREAMS', s0, '>');
    // A deleted undelivered entry: XINFO GROUPS answers lag nil from now on.
    await fx.redis.xdel(s0, '100-50');
    expect((await streamGroups(fx.redis, s0))[0]?.lag).toBeNull();

    const { logger, lines } = memoryLogger();
    const changes: boolean[] = [];
    const watch = new LagWatch({
      redis: fx.redis,
      streams,
      group: 'normalize',
      maxLag: 100,
      checkMs: 10_000,
      recountMs: 0,
      logger,
      onChange: (t) => changes.push(t),
    });
    await watch.check();
    expect(watch.lag).toBe(290); // 300 added − 10 read
    expect(watch.throttled).toBe(true);
    expect(lines.some((l) => l.msg === 'group lag source' && l.source === 'counters')).toBe(true);

    // The group reads past the deleted id: Redis still says nil, the rest is counted: 29 < 100/2.
    await fx.redis.xreadgroup('GROUP', 'normalize', 'c', 'COUNT', 260, 'STREAMS', s0, '>');
    await watch.check();
    expect(watch.lag).toBe(29);
    expect(watch.throttled).toBe(false);
    expect(changes).toEqual([true, false]);
    expect(lines.some((l) => l.msg === 'group lag source' && l.source === 'count')).toBe(true);
    // Caught up: Redis reports the lag again.
    await fx.redis.xreadgroup('GROUP', 'normalize', 'c', 'COUNT', 100, 'STREAMS', s0, '>');
    await watch.check();
    expect(watch.lag).toBe(1); // partition 1's one undelivered entry
    expect(lines.some((l) => l.msg === 'group lag source' && l.source === 'redis')).toBe(true);
  });
});
