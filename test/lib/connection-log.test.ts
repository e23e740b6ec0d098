import { logConnectionState } from '../../lib/connection-log';
import {
  findRedisServer,
  freePort,
  startRedisServer,
  type ManagedProcess,
} from '../../lib/devstack';
import { createRedis } from '../../lib/redis';
import { memoryLogger } from '../support/memory-logger';
import { eventually } from '../support/temporal';

/**
 * A real redis-server killed under a live ioredis connection and started again: the log has
 * one line per state change and a summary per period, not a line (and stack) per retry.
 */
describe('logConnectionState', () => {
  let port: number;
  let server: ManagedProcess | undefined;
  const start = async () => {
    server = await startRedisServer({
      binary: findRedisServer(process.env.PATH ?? ''),
      host: '127.0.0.1',
      port,
    });
  };
  beforeAll(async () => {
    port = await freePort();
    await start();
  });
  afterAll(async () => {
    await server?.stop(2000);
  });

  it('logs lost, a summary while down, and reconnected — not every retry', async () => {
    const { logger, lines } = memoryLogger();
    const redis = createRedis(`redis://127.0.0.1:${port}`, {
      // Fast retries: many attempts while the server is down.
      retryStrategy: () => 50,
    });
    let attempts = 0;
    redis.on('reconnecting', () => attempts++);
    const unwatch = logConnectionState(redis, logger, { name: 'redis', summaryMs: 700 });
    try {
      await eventually(
        () => Promise.resolve(lines.some((l) => l.msg === 'redis: connected')),
        5000,
        'up',
      );

      await server!.stop(0); // SIGTERM: redis-server exits at once without persistence
      server = undefined;
      await new Promise((r) => setTimeout(r, 2000));
      expect(attempts).toBeGreaterThan(10);
      await start();
      await eventually(
        () => Promise.resolve(lines.some((l) => l.msg === 'redis: reconnected')),
        5000,
        'back',
      );

      const msgs = lines.map((l) => l.msg);
      expect(msgs.filter((m) => m === 'redis: connection lost')).toHaveLength(1);
      const summaries = lines.filter((l) => l.msg === 'redis: still disconnected');
      expect(summaries.length).toBeGreaterThanOrEqual(2);
      expect(summaries.length).toBeLessThanOrEqual(4);
      expect(summaries[0]).toMatchObject({ state: 'disconnected', code: 'ECONNREFUSED' });
      expect(summaries[0]!.errors).toBeGreaterThan(3);
      const back = lines.find((l) => l.msg === 'redis: reconnected')!;
      expect(back).toMatchObject({ state: 'connected' });
      expect(back.downMs).toBeGreaterThanOrEqual(2000);
      expect(back.errors).toBeGreaterThan(10);
      // A handful of lines for dozens of retries, none with a stack trace.
      expect(lines.length).toBeLessThanOrEqual(8);
      expect(lines.every((l) => l.err === undefined && l.stack === undefined)).toBe(true);
      expect(await redis.ping()).toBe('PONG');
    } finally {
      unwatch();
      redis.disconnect();
    }
  });

  it('says "cannot connect" when the first connection fails, and stops summarising on quit', async () => {
    const { logger, lines } = memoryLogger();
    const nowhere = await freePort();
    const redis = createRedis(`redis://127.0.0.1:${nowhere}`, { retryStrategy: () => 50 });
    logConnectionState(redis, logger, { name: 'cache', summaryMs: 300 });
    await eventually(
      () => Promise.resolve(lines.some((l) => l.msg === 'cache: still disconnected')),
      5000,
    );
    expect(lines[0]).toMatchObject({ msg: 'cache: cannot connect', code: 'ECONNREFUSED' });
    redis.disconnect();
    await new Promise((r) => setTimeout(r, 400));
    const count = lines.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(lines.length).toBe(count);
  });
});
