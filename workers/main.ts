import { makeTelemetryFilterString, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig, reportStartupError } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { createRegistry, startMetricsServer } from '../lib/metrics';
import { PinoTemporalLogger } from '../lib/temporal/logger';
import { buildWorker } from './build-worker';
import { registerWorkerCollectors, temporalSdkMetrics } from './collectors';
import { workerReadiness, type WorkerReadinessTarget } from './readiness';

/** The worker process. SIGTERM / SIGINT shut it down gracefully (the SDK's shutdown signals). */
async function main(logger: Logger): Promise<void> {
  const config = loadConfig();
  logger.level = config.logLevel;
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
  const built = await buildWorker({ config, logger, registry, connection });
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
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      built.shutdown();
    });
  }
  try {
    await built.worker.run();
  } finally {
    await built.close();
    await connection.close();
    metricsServer.close();
    logger.info('worker stopped');
  }
}

const logger = createLogger({ level: 'info', name: 'worker' });
main(logger).catch((err: unknown) => {
  reportStartupError(err, 'worker failed', logger);
  process.exit(1);
});
