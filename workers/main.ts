import { makeTelemetryFilterString, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { createRegistry, startMetricsServer } from '../lib/metrics';
import { PinoTemporalLogger } from '../lib/temporal/logger';
import { buildWorker } from './build-worker';
import { answerHelp } from '../lib/cli';

/** The worker process. SIGTERM / SIGINT shut it down gracefully (the SDK's shutdown signals). */
async function main(logger: Logger): Promise<void> {
  const config = loadConfig();
  logger.level = config.logLevel;
  Runtime.install({
    logger: new PinoTemporalLogger(logger.child({ module: 'temporal' })),
    // We handle the signals: feeds must hear of the shutdown before the grace time runs out.
    shutdownSignals: [],
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
    },
  });
  const registry = createRegistry('worker');
  const metricsServer = await startMetricsServer(registry, {
    host: config.worker.metricsHost,
    port: config.worker.metricsPort,
    logger,
  });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const built = await buildWorker({ config, logger, registry, connection });
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

answerHelp(
  'worker',
  `usage: npm run worker
  the Temporal worker (workflows and activities on TEMPORAL_TASK_QUEUE) with /metrics on
  WORKER_METRICS_PORT; configuration from the environment (docs/configuration.md)`,
);
const logger = createLogger({ level: 'info', name: 'worker' });
main(logger).catch((err: unknown) => {
  logger.fatal({ err }, 'worker failed');
  process.exit(1);
});
