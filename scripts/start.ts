import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config, type Env } from '../lib/config';
import {
  findRedisServer,
  findTemporal,
  hostPort,
  isListening,
  PROJECT_ROOT,
  spawnManaged,
  startRedisServer,
  startTemporalServer,
  waitFor,
  type ManagedProcess,
} from '../lib/devstack';
import { startPostgresServer } from '../lib/devstack/postgres';
import { createLogger, type Logger } from '../lib/logger';
import { createRedis, hasLegacyLayout, keysOf, migrateToPartitions } from '../lib/redis';
import { bootstrapWorkflows, stopLegacyPipeline } from '../clients';
import { pipelineWorkflowId } from '../contract';

/**
 * `npm start`: the whole pipeline on the local simulator. Starts Temporal and Redis unless
 * something already listens at their addresses, then the worker, the GraphQL API and the
 * simulator; starts the workflows; prints the URLs. Ctrl-C / SIGTERM stops what it started.
 */
async function main(): Promise<void> {
  let config = loadConfig();
  // What the worker, API and simulator read their configuration from.
  let childEnv: Env = process.env;
  const logger = createLogger({ level: config.logLevel, name: 'start' });
  const dataDir = resolve(PROJECT_ROOT, config.dataDir);
  const logDir = join(dataDir, 'logs');
  const pathEnv = process.env.PATH ?? '';
  const started: ManagedProcess[] = [];
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    for (const p of [...started].reverse()) {
      await p.stop(p.name === 'worker' ? config.worker.shutdownGraceMs + 5000 : 10_000);
      logger.info({ process: p.name }, 'stopped');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const temporal = hostPort(config.temporal.address);
    if (await isListening(temporal.host, temporal.port)) {
      logger.info(
        { address: config.temporal.address },
        'using the Temporal server already listening',
      );
    } else {
      logger.info({ address: config.temporal.address }, 'starting the Temporal dev server');
      started.push(
        await startTemporalServer({
          binary: findTemporal(pathEnv),
          host: temporal.host,
          port: temporal.port,
          uiPort: config.temporal.uiPort,
          dbFile: join(dataDir, 'temporal', 'temporal.db'),
          namespace: config.temporal.namespace,
          logFile: join(logDir, 'temporal.log'),
        }),
      );
    }

    const redisUrl = new URL(config.redis.url);
    const redisHost = redisUrl.hostname;
    const redisPort = Number(redisUrl.port || 6379);
    if (config.redis.clusterNodes) {
      logger.info(
        { nodes: config.redis.clusterNodes },
        'using the Redis Cluster of REDIS_CLUSTER_NODES',
      );
    } else if (await isListening(redisHost, redisPort)) {
      logger.info({ url: config.redis.url }, 'using the Redis already listening');
    } else {
      logger.info({ url: config.redis.url }, 'starting redis-server');
      started.push(
        await startRedisServer({
          binary: findRedisServer(pathEnv),
          host: redisHost,
          port: redisPort,
          dataDir: join(dataDir, 'redis'),
          logFile: join(logDir, 'redis.log'),
        }),
      );
    }

    // Archive on PostgreSQL without a URL: a local cluster in data/postgres, its URL passed
    // to the worker and the API in the environment they are started with.
    if (config.archive.sink === 'postgres' && !config.archive.pgUrl) {
      const pg = await startPostgresServer({
        dataDir: join(dataDir, 'postgres'),
        logFile: join(logDir, 'postgres.log'),
        durable: true,
      });
      started.push(pg.process);
      childEnv = { ...process.env, ARCHIVE_PG_URL: pg.url };
      config = loadConfig(childEnv);
      logger.info({ url: pg.url }, 'started PostgreSQL for the archive');
    }

    for (const [name, entry] of [
      ['simulator', 'simulator/main.ts'],
      ['worker', 'workers/main.ts'],
      ['api', 'api/main.ts'],
    ] as const) {
      const proc = spawnManaged(name, process.execPath, ['--import', 'tsx', entry], {
        cwd: PROJECT_ROOT,
        env: childEnv,
        logFile: join(logDir, `${name}.log`),
      });
      started.push(proc);
      void proc.exited.then((code) => {
        if (!stopping) {
          logger.error(
            { process: name, code, log: join(logDir, `${name}.log`) },
            'process exited; stopping',
          );
          void stopAll(1);
        }
      });
    }
    await waitForHttp(
      'simulator',
      `http://${config.simulator.host}:${config.simulator.port}/healthz`,
    );
    await waitForHttp('api', `http://${config.api.host}:${config.api.port}/healthz`);
    await waitForHttp(
      'worker',
      `http://${config.worker.metricsHost}:${config.worker.metricsPort}/healthz`,
    );

    const connection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    await migrateIfNeeded(client, config, logger);
    const boot = await bootstrapWorkflows(client, config);
    await connection.close();
    logger.info(boot, 'workflows ready');
    printUrls(config, logDir);
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    await stopAll(1);
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

async function waitForHttp(what: string, url: string): Promise<void> {
  await waitFor(`${what} at ${url}`, async () => (await fetch(url)).ok, 60_000, 250);
}

function printUrls(config: Config, logDir: string): void {
  const ui = `http://${hostPort(config.temporal.address).host}:${config.temporal.uiPort}`;
  const ns = config.temporal.namespace;
  const lines = [
    '',
    'fin-line is running. Ctrl-C stops what this command started.',
    '',
    `  Temporal UI     ${ui}/namespaces/${ns}/workflows`,
    `  Pipelines       ${pipelineWorkflowId(config.pipeline.workflowId, 0)}${config.pipeline.partitions > 1 ? ` … ${pipelineWorkflowId(config.pipeline.workflowId, config.pipeline.partitions - 1)}` : ''} (PIPELINE_PARTITIONS=${config.pipeline.partitions}; ${config.redis.clusterNodes ? `Redis Cluster ${config.redis.clusterNodes.join(',')}` : config.redis.url})`,
    `  GraphQL         http://${config.api.host}:${config.api.port}/graphql (GraphiQL in a browser; subscriptions over SSE and ws)`,
    config.api.auth.mode === 'dev'
      ? `                  auth: dev mode, no credentials needed (acts as ${config.api.auth.devRole}); API keys: npm run api-keys -- create --name me --role operator`
      : `                  auth: required (Authorization: Bearer <JWT> or x-api-key); create a key: npm run api-keys -- create --name me --role operator`,
    `  Metrics         api http://${config.api.host}:${config.api.port}/metrics`,
    `                  worker http://${config.worker.metricsHost}:${config.worker.metricsPort}/metrics`,
    `                  simulator http://${config.simulator.host}:${config.simulator.port}/metrics`,
    `  Simulator       ws://${config.simulator.host}:${config.simulator.port} (POST /spike {"ticker":"AAPL","pct":10})`,
    `  Archive         ${config.archive.sink === 'parquet' ? config.archive.dir : (config.archive.pgUrl ?? '')} (npm run archive -- --help)`,
    `  Logs            ${logDir}/*.log`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

void main();
