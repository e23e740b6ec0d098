import { join } from 'node:path';
import type { Config, Env } from '../config';
import { PROJECT_ROOT } from './binaries';
import { freePort } from './ports';
import { startPostgresServer } from './postgres';
import { startReady } from './supervised';
import type { Supervisor } from './supervisor';

/**
 * The children `npm start` and `npm run start:cluster` supervise alike: fin-line's own
 * processes, and a local PostgreSQL.
 */

/** Grace of the servers a stack starts (Redis writes its AOF, Temporal and PostgreSQL their state). */
export const SERVER_GRACE_MS = 10_000;

/** How long each kind of child may take to stop, from the configured shutdown times. */
export function stopGraces(config: Config): { appGraceMs: number; workerGraceMs: number } {
  // The children stop themselves within these times (SHUTDOWN_TIMEOUT_MS); a second more before SIGKILL.
  const appGraceMs = config.processes.shutdownTimeoutMs + 1000;
  return { appGraceMs, workerGraceMs: config.worker.shutdownGraceMs + appGraceMs };
}

/** One of fin-line's processes (`node --import tsx <entry>`). */
export interface AppChild {
  readonly name: string;
  /** Entry point relative to the project root, e.g. `workers/main.ts`. */
  readonly entry: string;
  /** Ready once a GET answers 2xx here (its /healthz). */
  readonly readyUrl: string;
  readonly stopGraceMs: number;
  /** Its whole environment (its configuration). */
  readonly env: Env;
}

/** Starts a fin-line process under the supervisor, its output in `<logDir>/<name>.log`. */
export function superviseApp(supervisor: Supervisor, logDir: string, app: AppChild): Promise<void> {
  const logFile = join(logDir, `${app.name}.log`);
  return supervisor.add({
    name: app.name,
    logFile,
    stopGraceMs: app.stopGraceMs,
    start: () =>
      startReady({
        name: app.name,
        command: process.execPath,
        args: ['--import', 'tsx', app.entry],
        cwd: PROJECT_ROOT,
        env: app.env,
        logFile,
        readyUrl: app.readyUrl,
        detached: true,
      }),
  });
}

/** A supervised PostgreSQL's address. */
export interface SupervisedPostgres {
  readonly host: string;
  readonly port: number;
  /** `postgres://postgres@host:port/postgres`. */
  readonly url: string;
}

/**
 * A durable local PostgreSQL cluster in `dataDir` (initdb on first use) under the supervisor as
 * `postgres`. The port is chosen once, so a restarted cluster keeps the URL the children know.
 */
export async function supervisePostgres(
  supervisor: Supervisor,
  opts: { readonly dataDir: string; readonly logDir: string; readonly port?: number },
): Promise<SupervisedPostgres> {
  const host = '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const logFile = join(opts.logDir, 'postgres.log');
  await supervisor.add({
    name: 'postgres',
    logFile,
    stopGraceMs: SERVER_GRACE_MS,
    start: async () => {
      const pg = await startPostgresServer({
        dataDir: opts.dataDir,
        host,
        port,
        logFile,
        durable: true,
        detached: true,
      });
      return { process: pg.process, stop: () => pg.stop() };
    },
  });
  return { host, port, url: `postgres://postgres@${host}:${port}/postgres` };
}
