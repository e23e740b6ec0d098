import { makeTelemetryFilterString, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig, reportStartupError } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { createRegistry, startMetricsServer } from '../lib/metrics';
import { onShutdownSignals } from '../lib/shutdown';
import { PinoTemporalLogger } from '../lib/temporal/logger';
import { startTracing } from '../lib/tracing';
import { buildWorker } from './build-worker';
import { answerHelp } from '../lib/cli';
import { registerWorkerCollectors, temporalSdkMetrics } from './collectors';
import { workerReadiness, type WorkerReadinessTarget } from './readiness';

/**
 * The worker process. SIGTERM / SIGINT shut it down gracefully: running activities get
 * WORKER_SHUTDOWN_GRACE_MS, the rest SHUTDOWN_TIMEOUT_MS, then it exits whatever still runs.
 */
async function main(logger: Logger): Promise<void> {
  const config = loadConfig();
  logger.level = config.logLevel;
  // Off (nothing started) unless OTEL_* configure an exporter.
  const tracing = startTracing(config.tracing, { process: 'worker', logger });
  const sdkMetrics = await temporalSdkMetrics({
    port: config.worker.sdkMetricsPort,
    service: 'worker',
    logger: logger.child({ module: 'metrics' }),
  });
  Runtime.install({
    logger: new PinoTemporalLogger(logger.child({ module: 'temporal' })),
    // We handle the signals: feeds must hear of the shutdown before the grace time runs out.
    shutdownSignals: [],
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      metrics: sdkMetrics.exporter,
    },
  });
  const registry = createRegistry('worker');
  // Filled in once the worker is built; /readyz reads it.
  const ready: { target?: WorkerReadinessTarget } = {};
  // Up before Temporal is reached, so /healthz answers while the worker connects; /readyz
  // says when it polls.
  const metricsServer = await startMetricsServer(registry, {
    host: config.worker.metricsHost,
    port: config.worker.metricsPort,
    logger,
    extra: () => sdkMetrics.scrape(),
    ready: workerReadiness(() => ready.target, 1000),
  });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const built = await buildWorker({ config, logger, registry, connection, tracing });
  registerWorkerCollectors(registry, { ...built.deps, logger });
  ready.target = { redis: built.deps.redis, connection, worker: built.worker };
  logger.info(
    {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
      address: config.temporal.address,
    },
    'worker started',
  );
  const finished = built.worker.run().finally(async () => {
    await built.close();
    await connection.close();
    metricsServer.close();
    // The spans of the last chunks go out before the exit (bounded: the receiver may be gone).
    await tracing.shutdown(2000);
    logger.info('worker stopped');
  });
  // Activities get the grace time; closing everything after it is bounded too, even with
  // Redis or Temporal unreachable (lib/shutdown.ts).
  onShutdownSignals(
    async () => {
      built.shutdown();
      await finished;
    },
    { logger, timeoutMs: config.worker.shutdownGraceMs + config.processes.shutdownTimeoutMs },
  );
  await finished;
}

answerHelp(
  'worker',
  `usage: npm run worker
  the Temporal worker (workflows and activities on TEMPORAL_TASK_QUEUE) with /metrics on
  WORKER_METRICS_PORT; configuration from the environment (docs/configuration.md)`,
);
const logger = createLogger({ level: 'info', name: 'worker' });
main(logger).catch((err: unknown) => {
  reportStartupError(err, 'worker failed', logger);
  process.exit(1);
});
