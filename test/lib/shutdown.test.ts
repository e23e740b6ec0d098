import { EventEmitter } from 'node:events';
import pino from 'pino';
import { freePort } from '../../lib/devstack';
import { createRedis } from '../../lib/redis';
import { closeRedis, onShutdownSignals } from '../../lib/shutdown';
import { stackEnv } from '../support/stack';
import { eventually } from '../support/temporal';

const silent = pino({ level: 'silent' });

describe('closeRedis', () => {
  it('quits a live connection', async () => {
    const redis = createRedis(stackEnv().redisUrl);
    await redis.ping();
    const started = Date.now();
    await closeRedis(redis, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    await eventually(() => Promise.resolve(redis.status === 'end'), 2000, 'the connection ended');
  });

  it('returns at once from a connection that cannot reach its server', async () => {
    // maxRetriesPerRequest null: a QUIT would wait in the offline queue for ever.
    const redis = createRedis(`redis://127.0.0.1:${await freePort()}`, {
      maxRetriesPerRequest: null,
      retryStrategy: () => 50,
    });
    redis.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await closeRedis(redis, 5000);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('onShutdownSignals', () => {
  // Signals to the test runner itself would stop it: the test sends them on an emitter of its
  // own (test/e2e/bounded-shutdown.test.ts sends real ones to real processes).
  const signal = 'SIGTERM';
  let target: EventEmitter;
  beforeEach(() => {
    target = new EventEmitter();
  });

  it('exits 0 when stop finishes, and ignores a second signal', async () => {
    const codes: number[] = [];
    let stops = 0;
    onShutdownSignals(
      async () => {
        stops++;
        await new Promise((r) => setTimeout(r, 50));
      },
      { logger: silent, timeoutMs: 1000, signals: [signal], exit: (c) => codes.push(c), target },
    );
    target.emit(signal, signal);
    target.emit(signal, signal);
    await new Promise((r) => setTimeout(r, 300));
    expect(stops).toBe(1);
    expect(codes).toEqual([0]);
  });

  it('exits 1 at the deadline when stop hangs', async () => {
    const codes: number[] = [];
    onShutdownSignals(() => new Promise<void>(() => undefined), {
      logger: silent,
      timeoutMs: 200,
      signals: [signal],
      exit: (c) => codes.push(c),
      target,
    });
    target.emit(signal, signal);
    await new Promise((r) => setTimeout(r, 100));
    expect(codes).toEqual([]);
    await new Promise((r) => setTimeout(r, 250));
    expect(codes).toEqual([1]);
  });
});
