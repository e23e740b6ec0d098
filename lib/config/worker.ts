import { int, port, section, setting, text } from './setting';

/** The Temporal worker process. */
export const worker = section('Worker', {
  metricsHost: setting(
    'METRICS_HOST',
    text('127.0.0.1'),
    "address of the worker's `/metrics`, `/healthz` and `/readyz`",
  ),
  metricsPort: setting(
    'WORKER_METRICS_PORT',
    port(9464),
    "port of the worker's `/metrics`, `/healthz` and `/readyz`",
  ),
  sdkMetricsPort: setting(
    'WORKER_SDK_METRICS_PORT',
    port(0),
    "loopback port of the Temporal SDK's own metrics exporter, whose `temporal_*` series the worker's `/metrics` includes; `0` = a free port picked at start",
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
