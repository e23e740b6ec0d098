import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import {
  findRedisServer,
  freePort,
  PROJECT_ROOT,
  runOf,
  spawnManaged,
  startReady,
  startRedisServer,
  Supervisor,
  type ChildSpec,
} from '../../../lib/devstack';
import { ping } from '../../../lib/devstack/redis-server';
import { memoryLogger, type LogLine } from '../../support/memory-logger';
import { eventually } from '../../support/temporal';

const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The JSON lines of a log file; none while it does not exist yet. */
function jsonLines(file: string): LogLine[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

const POLICY = {
  backoffBaseMs: 100,
  backoffMaxMs: 400,
  crashLoopRestarts: 4,
  crashLoopWindowMs: 10_000,
  crashLoopDelayMs: 60_000,
};

function nodeChild(name: string, script: string, logFile?: string): ChildSpec {
  return {
    name,
    logFile,
    stopGraceMs: 2000,
    start: () => startReady({ name, command: process.execPath, args: ['-e', script], logFile }),
  };
}

/**
 * The supervisor with real children — a tiny node script, a real redis-server, one that dies
 * at once — killed with SIGKILL: each comes back after its backoff, every restart logged and
 * counted, a crash loop reported with its last log lines; stop() ends all in reverse order.
 */
describe('Supervisor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-line-supervisor-'));
  const { logger, lines } = memoryLogger();
  const registry = new Registry();
  const supervisor = new Supervisor({ logger, registry, ...POLICY });
  let redisPort: number;
  const restartLines = (name: string): LogLine[] =>
    lines.filter((l) => l.process === name && l.level === 40 && l.delayMs !== undefined);

  beforeAll(async () => {
    redisPort = await freePort();
    await supervisor.add(nodeChild('ticker', 'setInterval(() => {}, 1000)'));
    await supervisor.add({
      name: 'redis',
      stopGraceMs: 5000,
      start: async () =>
        runOf(
          await startRedisServer({
            binary: findRedisServer(process.env.PATH ?? ''),
            host: '127.0.0.1',
            port: redisPort,
          }),
        ),
    });
  });
  afterAll(async () => {
    await supervisor.stop();
  });

  it('restarts a SIGKILLed child with backoff, logging and counting each restart', async () => {
    const first = supervisor.process('ticker')!;
    first.child.kill('SIGKILL');
    const second = await eventually(
      () => Promise.resolve(supervisor.process('ticker') !== first && supervisor.process('ticker')),
      5000,
      'the ticker back',
    );
    expect(alive(second.child.pid)).toBe(true);
    expect(supervisor.restarts('ticker')).toBe(1);
    expect(restartLines('ticker')[0]).toMatchObject({
      process: 'ticker',
      signal: 'SIGKILL',
      restarts: 1,
      delayMs: 100,
      msg: 'ticker exited; restarting in 100 ms',
    });

    // Dying again soon after: the delay doubles.
    second.child.kill('SIGKILL');
    await eventually(
      () =>
        Promise.resolve(supervisor.process('ticker') !== second && supervisor.process('ticker')),
      5000,
      'the ticker back again',
    );
    expect(restartLines('ticker')[1]).toMatchObject({ restarts: 2, delayMs: 200 });
  });

  it('restarts a SIGKILLed redis-server on its port', async () => {
    const before = supervisor.process('redis')!;
    before.child.kill('SIGKILL');
    await eventually(
      async () => supervisor.process('redis') !== before && (await ping('127.0.0.1', redisPort)),
      10_000,
      'redis answering again',
    );
    expect(supervisor.restarts('redis')).toBe(1);
    expect(restartLines('redis')[0]).toMatchObject({ signal: 'SIGKILL', restarts: 1 });
    const metrics = await registry.metrics();
    expect(metrics).toContain('finline_supervisor_restarts_total{process="redis"} 1');
    expect(metrics).toContain('finline_supervisor_restarts_total{process="ticker"} 2');
  });

  it('reports a crash loop with the last log lines and backs off long', async () => {
    const logFile = join(dir, 'crasher.log');
    writeFileSync(logFile, '');
    await supervisor.add(
      nodeChild('crasher', "console.log('boom: REDIS_URL is wrong'); process.exit(3)", logFile),
    );
    const loop = await eventually(
      () => Promise.resolve(lines.find((l) => l.process === 'crasher' && l.level === 50)),
      10_000,
      'the crash-loop report',
    );
    expect(loop).toMatchObject({
      restarts: 4,
      delayMs: 60_000,
      log: logFile,
      msg: `crash loop: crasher restarted 4 times within 10000 ms; next try in 60000 ms (its log: ${logFile})`,
    });
    expect(loop.lastLines).toContain('boom: REDIS_URL is wrong');
    expect(restartLines('crasher').map((l) => [l.code, l.delayMs])).toEqual([
      [3, 100],
      [3, 200],
      [3, 400],
      [3, 60_000],
    ]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(supervisor.restarts('crasher')).toBe(4);
    expect(supervisor.state('crasher')).toBe('waiting');
  });

  it('stop() ends every child in reverse order and cancels pending restarts', async () => {
    const pids = [supervisor.process('ticker')?.child.pid, supervisor.process('redis')?.child.pid];
    expect(pids.every(alive)).toBe(true);
    await supervisor.stop();
    expect(pids.some(alive)).toBe(false);
    expect(lines.filter((l) => l.msg === 'stopping').map((l) => l.process)).toEqual([
      'redis',
      'ticker',
    ]);
    expect(['ticker', 'redis', 'crasher'].map((n) => supervisor.state(n))).toEqual([
      'stopped',
      'stopped',
      'stopped',
    ]);
  });
});

describe('a supervisor process', () => {
  it('ends everything it started on SIGTERM, within the bound', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fin-line-supervisor-proc-'));
    const logFile = join(dir, 'supervisor.log');
    const proc = spawnManaged(
      'supervisor',
      process.execPath,
      ['--import', 'tsx', 'test/support/supervisor-fixture.ts', String(await freePort()), dir],
      { cwd: PROJECT_ROOT, logFile },
    );
    try {
      const started = await eventually(
        () => Promise.resolve(jsonLines(logFile).find((l) => l.msg === 'children')),
        30_000,
        'the children',
      );
      const pids = Object.values(started.pids as Record<string, number>);
      expect(pids).toHaveLength(2);
      expect(pids.every(alive)).toBe(true);

      const t0 = Date.now();
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(pids.some(alive)).toBe(false);
    } finally {
      await proc.stop(2000);
    }
  });
});
