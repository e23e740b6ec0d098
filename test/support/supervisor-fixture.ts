/**
 * A supervisor in a process of its own, as `npm start` runs one, for the test that signals it:
 * `tsx test/support/supervisor-fixture.ts <redis-port> <log-dir>` supervises a tiny node
 * child and a redis-server (each in its own process group, as npm start's children are),
 * prints `{"msg":"children","pids":{...}}` once both run, and stops on SIGTERM.
 */
import { join } from 'node:path';
import pino from 'pino';
import {
  findRedisServer,
  runOf,
  startReady,
  startRedisServer,
  Supervisor,
} from '../../lib/devstack';
import { onShutdownSignals } from '../../lib/shutdown';

async function main(): Promise<void> {
  const [port, logDir] = [Number(process.argv[2]), process.argv[3] ?? '/tmp'];
  const logger = pino({ level: 'info' });
  const supervisor = new Supervisor({
    logger,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    crashLoopRestarts: 5,
    crashLoopWindowMs: 60_000,
    crashLoopDelayMs: 60_000,
  });
  onShutdownSignals(() => supervisor.stop(), { logger, timeoutMs: 20_000 });
  await supervisor.add({
    name: 'redis',
    stopGraceMs: 5000,
    start: async () =>
      runOf(
        await startRedisServer({
          binary: findRedisServer(process.env.PATH ?? ''),
          host: '127.0.0.1',
          port,
          detached: true,
        }),
      ),
  });
  await supervisor.add({
    name: 'ticker',
    stopGraceMs: 5000,
    start: () =>
      startReady({
        name: 'ticker',
        command: process.execPath,
        args: [
          '-e',
          "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 200)); setInterval(() => {}, 1000)",
        ],
        logFile: join(logDir, 'ticker.log'),
        detached: true,
      }),
  });
  const pids = {
    redis: supervisor.process('redis')?.child.pid,
    ticker: supervisor.process('ticker')?.child.pid,
  };
  logger.info({ pids }, 'children');
}

void main();
