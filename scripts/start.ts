import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config, type Env } from '../lib/config';
import {
  findRedisServer,
  findTemporal,
  hostPort,
  isListening,
  PROJECT_ROOT,
  runOf,
  SERVER_GRACE_MS,
  startRedisServer,
  startTemporalServer,
  stopGraces,
  superviseApp,
  supervisePostgres,
  Supervisor,
} from '../lib/devstack';
import { createLogger, type Logger } from '../lib/logger';
import { createRedis, hasLegacyLayout, keysOf, migrateToPartitions } from '../lib/redis';
import { onShutdownSignals } from '../lib/shutdown';
import { bootstrapWorkflows, stopLegacyPipeline } from '../clients';
import { answerHelp } from '../lib/cli';
import { printUrls } from './stack-urls';

/**
 * `npm start`: the whole pipeline on the local simulator, supervised. Starts Temporal and Redis
 * unless something already listens at their addresses, then the simulator, the worker and the
 * GraphQL API; starts the workflows; prints the URLs. A child that dies is restarted with
 * backoff (lib/devstack/supervisor.ts) — Temporal and Redis only when this command started
 * them. Only Ctrl-C / SIGTERM stops the stack: everything in reverse order, each within its
 * grace time.
 */
async function main(): Promise<void> {
  let config = loadConfig();
  // What the worker, API and simulator read their configuration from.
  let childEnv: Env = process.env;
  const logger = createLogger({ level: config.logLevel, name: 'start' });
  const dataDir = resolve(PROJECT_ROOT, config.dataDir);
  const logDir = join(dataDir, 'logs');
  const pathEnv = process.env.PATH ?? '';
  const supervisor = new Supervisor({ logger, ...config.processes.supervisor });
  const { appGraceMs, workerGraceMs } = stopGraces(config);
  onShutdownSignals(() => supervisor.stop(), {
    logger,
    timeoutMs: 3 * SERVER_GRACE_MS + 2 * appGraceMs + workerGraceMs + 5000,
  });

  try {
    const temporal = hostPort(config.temporal.address);
    if (await isListening(temporal.host, temporal.port)) {
      logger.info(
        { address: config.temporal.address },
        'using the Temporal server already listening (not supervised)',
      );
    } else {
      logger.info({ address: config.temporal.address }, 'starting the Temporal dev server');
      const logFile = join(logDir, 'temporal.log');
      await supervisor.add({
        name: 'temporal',
        logFile,
        stopGraceMs: SERVER_GRACE_MS,
        start: async () =>
          runOf(
            await startTemporalServer({
              binary: findTemporal(pathEnv),
              host: temporal.host,
              port: temporal.port,
              uiPort: config.temporal.uiPort,
              dbFile: join(dataDir, 'temporal', 'temporal.db'),
              namespace: config.temporal.namespace,
              logFile,
              detached: true,
            }),
          ),
      });
    }

    const redisUrl = new URL(config.redis.url);
    const redisHost = redisUrl.hostname;
    const redisPort = Number(redisUrl.port || 6379);
    if (config.redis.clusterNodes) {
      logger.info(
        { nodes: config.redis.clusterNodes },
        'using the Redis Cluster of REDIS_CLUSTER_NODES (not supervised)',
      );
    } else if (await isListening(redisHost, redisPort)) {
      logger.info({ url: config.redis.url }, 'using the Redis already listening (not supervised)');
    } else {
      logger.info({ url: config.redis.url }, 'starting redis-server');
      const logFile = join(logDir, 'redis.log');
      await supervisor.add({
        name: 'redis',
        logFile,
        stopGraceMs: SERVER_GRACE_MS,
        start: async () =>
          runOf(
            await startRedisServer({
              binary: findRedisServer(pathEnv),
              host: redisHost,
              port: redisPort,
              dataDir: join(dataDir, 'redis'),
              logFile,
              detached: true,
            }),
          ),
      });
    }

    // Archive on PostgreSQL without a URL: a local cluster in data/postgres, its URL passed
    // to the worker and the API in the environment they are started with.
    if (config.archive.sink === 'postgres' && !config.archive.pgUrl) {
      const { url } = await supervisePostgres(supervisor, {
        dataDir: join(dataDir, 'postgres'),
        logDir,
      });
      childEnv = { ...process.env, ARCHIVE_PG_URL: url };
      config = loadConfig(childEnv);
      logger.info({ url }, 'started PostgreSQL for the archive');
    }

    const children = [
      [
        'simulator',
        'simulator/main.ts',
        `http://${config.simulator.host}:${config.simulator.port}/healthz`,
        appGraceMs,
      ],
      [
        'worker',
        'workers/main.ts',
        `http://${config.worker.metricsHost}:${config.worker.metricsPort}/healthz`,
        workerGraceMs,
      ],
      ['api', 'api/main.ts', `http://${config.api.host}:${config.api.port}/healthz`, appGraceMs],
    ] as const;
    for (const [name, entry, readyUrl, stopGraceMs] of children) {
      await superviseApp(supervisor, logDir, { name, entry, readyUrl, stopGraceMs, env: childEnv });
    }

    const connection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    await migrateIfNeeded(client, config, logger);
    const boot = await bootstrapWorkflows(client, config);
    await connection.close();
    logger.info(boot, 'workflows ready');
    printUrls(config, logDir);
  } catch (err) {
    // Ctrl-C during start-up: the signal handler is stopping everything already.
    if (supervisor.stopping) return;
    logger.fatal({ err }, 'start failed');
    await supervisor.stop();
    process.exit(1);
  }
}

/**
 * Data of the single-stream layout (an older release's data directory) is moved to the
 * partitions before the pipelines start: this command owns the stack, so it stops the old
 * pipeline workflow and migrates (npm run migrate -- partitions does the same by hand).
 */
async function migrateIfNeeded(client: Client, config: Config, logger: Logger): Promise<void> {
  const redis = createRedis(config.redis, { maxRetriesPerRequest: 3 });
  try {
    if (!(await hasLegacyLayout(redis, config.redis.keyPrefix))) return;
    const stopped = await stopLegacyPipeline(client, config);
    const report = await migrateToPartitions(redis, keysOf(config));
    logger.info({ ...report, legacyPipelineStopped: stopped }, 'migrated to partitions');
  } finally {
    redis.disconnect();
  }
}

answerHelp(
  'start',
  `usage: npm start
  the whole pipeline on the local simulator: Temporal and Redis (unless already listening), the
  worker, the GraphQL API with the console, and the simulator; prints the URLs; restarts a
  process that dies (with backoff; a crash loop is reported); Ctrl-C stops it. Configuration
  from the environment (docs/configuration.md).`,
);
void main();
