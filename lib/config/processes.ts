import { int, section, setting } from './setting';

/**
 * How processes stop and report their connections, and how `npm start` supervises them
 * (lib/devstack/supervisor.ts).
 */
export const processes = section('Processes', {
  shutdownTimeoutMs: setting(
    'SHUTDOWN_TIMEOUT_MS',
    int(15_000, 100, 600_000),
    'longest time from SIGTERM to exit of the API and the simulator, and of the worker after `WORKER_SHUTDOWN_GRACE_MS`, even with Redis or Temporal unreachable; then the process exits with code 1',
  ),
  connectionLogSummaryMs: setting(
    'CONNECTION_LOG_SUMMARY_MS',
    int(60_000, 0),
    'while a Redis connection is down, a summary line this often (besides one line per state change); `0`: none',
  ),
  cluster: {
    workers: setting(
      'CLUSTER_WORKERS',
      int(2, 1, 32),
      '`npm run start:cluster`: worker processes; the i-th (from 0) serves its metrics on `WORKER_METRICS_PORT` + i',
    ),
    apis: setting(
      'CLUSTER_APIS',
      int(2, 1, 32),
      '`npm run start:cluster`: API processes; the i-th (from 0) listens on `API_PORT` + i',
    ),
  },
  supervisor: {
    backoffBaseMs: setting(
      'SUPERVISOR_BACKOFF_BASE_MS',
      int(1000, 10),
      '`npm start`: delay before restarting a child that died; doubled per restart',
    ),
    backoffMaxMs: setting(
      'SUPERVISOR_BACKOFF_MAX_MS',
      int(30_000, 10),
      '`npm start`: ceiling of that delay (outside a crash loop)',
    ),
    crashLoopRestarts: setting(
      'SUPERVISOR_CRASH_LOOP_RESTARTS',
      int(5, 1),
      '`npm start`: this many restarts of one child within `SUPERVISOR_CRASH_LOOP_WINDOW_MS` is a crash loop',
    ),
    crashLoopWindowMs: setting(
      'SUPERVISOR_CRASH_LOOP_WINDOW_MS',
      int(60_000, 1000),
      '`npm start`: that window; a child that ran this long starts its backoff afresh',
    ),
    crashLoopDelayMs: setting(
      'SUPERVISOR_CRASH_LOOP_DELAY_MS',
      int(300_000, 10),
      '`npm start`: delay before the next restart of a child in a crash loop (reported as an error with its last log lines)',
    ),
  },
});
