import { Connection } from '@temporalio/client';
import { createArchiveReader } from '../lib/archive';
import { loadConfig, reportStartupError } from '../lib/config';
import { logConnectionState } from '../lib/connection-log';
import { createLogger, type Logger } from '../lib/logger';
import { createRegistry } from '../lib/metrics';
import { API_SCRIPTS, createRedis } from '../lib/redis';
import { closeRedis, onShutdownSignals } from '../lib/shutdown';
import { startTracing, traceRedisCommands } from '../lib/tracing';
import { createTemporalClient } from '../clients';
import { createApp } from './app';
import { answerHelp } from '../lib/cli';

let logger: Logger | undefined;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, name: 'api' });
  logger = log;
  // Off (nothing started) unless OTEL_* configure an exporter.
  const tracing = startTracing(config.tracing, { process: 'api', logger: log });
  const redis = createRedis(config.redis, { scripts: API_SCRIPTS });
  traceRedisCommands(redis);
  // One line per state change, not one per retry; /readyz reports the state too.
  logConnectionState(redis, log, {
    name: 'redis',
    summaryMs: config.processes.connectionLogSummaryMs,
  });
  // Lazy: the API starts (and serves Redis reads) while Temporal is still coming up.
  const connection = Connection.lazy({ address: config.temporal.address });
  const temporal = createTemporalClient(connection, config.temporal.namespace);
  // The archive serves `history` beyond what Redis holds; the API runs without it if it cannot open.
  const archive = await createArchiveReader(config).catch((err: unknown) => {
    log.warn({ err }, 'archive not readable; history serves what Redis holds');
    return undefined;
  });
  const app = createApp({
    config,
    redis,
    logger: log,
    registry: createRegistry('api'),
    temporal,
    archive,
  });

  // Bounded even with Redis or Temporal unreachable (lib/shutdown.ts).
  onShutdownSignals(
    async () => {
      await app.stop();
      await closeRedis(redis, 1000);
      await connection.close();
      await archive?.close();
      await tracing.shutdown(1000);
    },
    { logger: log, timeoutMs: config.processes.shutdownTimeoutMs },
  );

  try {
    const { url } = await app.start();
    log.info({ url }, 'api listening');
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}

answerHelp(
  'api',
  `usage: npm run api
  the GraphQL API, the operations console and GraphiQL on API_HOST:API_PORT;
  configuration from the environment (docs/configuration.md)`,
);
main().catch((err: unknown) => {
  // A ConfigError arrives before the configured logger exists.
  reportStartupError(
    err,
    'api failed to start',
    logger ?? createLogger({ level: 'info', name: 'api' }),
  );
  process.exit(1);
});
