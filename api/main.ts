import { Client, Connection } from '@temporalio/client';
import { createArchiveReader } from '../lib/archive';
import { loadConfig, reportStartupError } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { createRegistry } from '../lib/metrics';
import { API_SCRIPTS, createRedis } from '../lib/redis';
import { createApp } from './app';

let logger: Logger | undefined;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, name: 'api' });
  logger = log;
  const redis = createRedis(config.redis, { scripts: API_SCRIPTS });
  // Without a listener ioredis prints every reconnect failure to stderr; /readyz reports it.
  redis.on('error', (err: Error) => log.warn({ err }, 'redis connection error'));
  // Lazy: the API starts (and serves Redis reads) while Temporal is still coming up.
  const connection = Connection.lazy({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
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

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    app
      .stop()
      .then(() => redis.quit())
      .then(() => connection.close())
      .then(() => archive?.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  try {
    const { url } = await app.start();
    log.info({ url }, 'api listening');
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}

main().catch((err: unknown) => {
  // A ConfigError arrives before the configured logger exists.
  reportStartupError(
    err,
    'api failed to start',
    logger ?? createLogger({ level: 'info', name: 'api' }),
  );
  process.exit(1);
});
