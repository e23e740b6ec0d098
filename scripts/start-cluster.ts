import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Env } from '../lib/config';
import {
  hostPort,
  PROJECT_ROOT,
  SERVER_GRACE_MS,
  stopGraces,
  superviseApp,
  superviseClusterInfra,
  Supervisor,
} from '../lib/devstack';
import { createLogger } from '../lib/logger';
import { onShutdownSignals } from '../lib/shutdown';
import { bootstrapWorkflows } from '../clients';
import { answerHelp } from '../lib/cli';
import { printUrls } from './stack-urls';

/** The profile's Redis Cluster when REDIS_CLUSTER_NODES is unset: three masters. */
export const DEFAULT_CLUSTER_NODES = '127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002';

/**
 * `npm run start:cluster`: fin-line as production runs it, on one machine, supervised. The
 * Temporal server (go.temporal.io/server) on PostgreSQL with its Web UI server, a 3-master
 * Redis Cluster, several worker and API processes sharing the work, the simulator, the archive
 * Schedule and one pipeline workflow per partition. Its state lives in `${DATA_DIR}/cluster`,
 * apart from `npm start`'s. Ctrl-C / SIGTERM stops everything in reverse order.
 */
async function main(): Promise<void> {
  const baseEnv: Env = {
    ...process.env,
    REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES ?? DEFAULT_CLUSTER_NODES,
  };
  let config = loadConfig(baseEnv);
  const logger = createLogger({ level: config.logLevel, name: 'start-cluster' });
  const dataDir = resolve(PROJECT_ROOT, config.dataDir, 'cluster');
  const logDir = join(dataDir, 'logs');
  const supervisor = new Supervisor({ logger, ...config.processes.supervisor });
  const { appGraceMs, workerGraceMs } = stopGraces(config);
  const { workers, apis } = config.processes.cluster;
  onShutdownSignals(() => supervisor.stop(), {
    logger,
    timeoutMs: 6 * SERVER_GRACE_MS + (apis + 1) * appGraceMs + workers * workerGraceMs + 5000,
  });

  try {
    const temporal = hostPort(config.temporal.address);
    const nodes = (config.redis.clusterNodes ?? []).map(hostPort);
    logger.info(
      { temporal: config.temporal.address, redis: config.redis.clusterNodes, dataDir },
      'starting PostgreSQL, the Temporal server and UI, and the Redis Cluster',
    );
    const infra = await superviseClusterInfra(supervisor, {
      dataDir,
      logDir,
      pathEnv: process.env.PATH ?? '',
      temporal: {
        host: temporal.host,
        port: temporal.port,
        uiPort: config.temporal.uiPort,
        namespace: config.temporal.namespace,
        historyShards: config.temporal.historyShards,
      },
      redis: { host: nodes[0]?.host ?? '127.0.0.1', ports: nodes.map((n) => n.port) },
    });
    if (infra.created.length > 0) logger.info({ created: infra.created }, 'registered on Temporal');

    const childEnv: Env = {
      ...baseEnv,
      ...(config.archive.sink === 'postgres' && !config.archive.pgUrl
        ? { ARCHIVE_PG_URL: infra.postgres.url }
        : {}),
    };
    config = loadConfig(childEnv);

    await superviseApp(supervisor, logDir, {
      name: 'simulator',
      entry: 'simulator/main.ts',
      readyUrl: `http://${config.simulator.host}:${config.simulator.port}/healthz`,
      stopGraceMs: appGraceMs,
      env: childEnv,
    });
    const workerPorts = Array.from({ length: workers }, (_, i) => config.worker.metricsPort + i);
    for (const [i, port] of workerPorts.entries()) {
      await superviseApp(supervisor, logDir, {
        name: `worker-${i}`,
        entry: 'workers/main.ts',
        // Polling before the pipelines start: their long-lived stage activities go to the
        // workers polling then, so both workers take a share from the first minute.
        readyUrl: `http://${config.worker.metricsHost}:${port}/readyz`,
        stopGraceMs: workerGraceMs,
        env: { ...childEnv, WORKER_METRICS_PORT: String(port) },
      });
    }
    const apiPorts = Array.from({ length: apis }, (_, i) => config.api.port + i);
    for (const [i, port] of apiPorts.entries()) {
      await superviseApp(supervisor, logDir, {
        name: `api-${i}`,
        entry: 'api/main.ts',
        readyUrl: `http://${config.api.host}:${port}/healthz`,
        stopGraceMs: appGraceMs,
        env: { ...childEnv, API_PORT: String(port) },
      });
    }

    const connection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const boot = await bootstrapWorkflows(client, config);
    await connection.close();
    logger.info(boot, 'workflows ready');
    printUrls(config, logDir, {
      apiPorts,
      workerPorts,
      temporal: `server ${infra.temporalVersion} on PostgreSQL ${infra.postgres.url.replace(/\/postgres$/, '/temporal')} (${config.temporal.historyShards} history shards), frontend ${config.temporal.address}`,
    });
  } catch (err) {
    // Ctrl-C during start-up: the signal handler is stopping everything already.
    if (supervisor.stopping) return;
    logger.fatal({ err }, 'start failed');
    await supervisor.stop();
    process.exit(1);
  }
}

answerHelp(
  'start:cluster',
  `usage: npm run start:cluster
  fin-line as production runs it, on this machine: the Temporal server (built by
  \`npm run setup -- cluster\`) on PostgreSQL with its Web UI server, a 3-master Redis Cluster
  (REDIS_CLUSTER_NODES, default ${DEFAULT_CLUSTER_NODES}), CLUSTER_WORKERS worker and CLUSTER_APIS
  API processes, the simulator, the archive Schedule and a pipeline workflow per partition;
  state in \${DATA_DIR}/cluster; prints the URLs; restarts a process that dies; Ctrl-C stops it.
  Configuration from the environment (docs/configuration.md).`,
);
void main();
