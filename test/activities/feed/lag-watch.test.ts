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
    // At or above maxLag/2 a figure is counted, not taken from the counters (289: 300 − 10
    // read − 1 deleted), up to maxLag, the figure the throttle acts on.
    expect(watch.lag).toBe(100);
    expect(watch.throttled).toBe(true);
    expect(lines.some((l) => l.msg === 'group lag source' && l.source === 'count')).toBe(true);

    // The group reads past the deleted id: Redis still says nil, the rest is counted: 29 < 100/2.
    await fx.redis.xreadgroup('GROUP', 'normalize', 'c', 'COUNT', 260, 'STREAMS', s0, '>');
    await watch.check();
    expect(watch.lag).toBe(29);
    expect(watch.throttled).toBe(false);
    expect(changes).toEqual([true, false]);

    // A read counter that lost reads (as after a Redis restart from its AOF): Redis reports
    // 199 undelivered on partition 1 where none is; the watch does not throttle on it.
    const p1 = fx.redis.pipeline();
    for (let i = 2; i <= 200; i++) p1.xadd(s1, `100-${i}`, 'n', '1');
    await p1.exec();
    await fx.redis.xreadgroup('GROUP', 'normalize', 'c', 'COUNT', 500, 'STREAMS', s1, '>');
    await fx.redis.xgroup('SETID', s1, 'normalize', '100-200', 'ENTRIESREAD', 1);
    expect((await streamGroups(fx.redis, s1))[0]?.lag).toBe(199);
    await watch.check();
    expect(watch.lag).toBe(29);
    expect(watch.throttled).toBe(false);
    expect(changes).toEqual([true, false]);
  });
});
