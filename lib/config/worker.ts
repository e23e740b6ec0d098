import { int, port, section, setting, text } from './setting';

/** The Temporal worker process. */
export const worker = section('Worker', {
  metricsHost: setting(
    'METRICS_HOST',
    text('127.0.0.1'),
    "address of the worker's `/metrics` and `/healthz`",
  ),
  metricsPort: setting(
    'WORKER_METRICS_PORT',
    port(9464),
    "port of the worker's `/metrics` and `/healthz`",
  ),
  shutdownGraceMs: setting(
    'WORKER_SHUTDOWN_GRACE_MS',
    int(10_000, 0),
    'time running activities get to finish on SIGTERM',
  ),
  maxConcurrentActivities: setting(
    'WORKER_MAX_CONCURRENT_ACTIVITIES',
    int(32, 1),
    'activity slots per worker',
  ),
});
