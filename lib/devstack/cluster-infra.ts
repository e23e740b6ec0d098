import { join } from 'node:path';
import { findClusterTools, findRedisServer } from './binaries';
import { runOf } from './supervised';
import { isListening } from './ports';
import { joinRedisCluster, startRedisClusterNode } from './redis-cluster';
import { SERVER_GRACE_MS, supervisePostgres, type SupervisedPostgres } from './stack-children';
import type { Supervisor } from './supervisor';
import { ensureNamespace } from './temporal-namespace';
import { allTemporalServerPorts, startTemporalPostgresServer } from './temporal-postgres-server';
import { setupTemporalSchema } from './temporal-schema';
import { startTemporalUiServer } from './temporal-ui-server';

/** The servers of the production-shaped profile (`npm run start:cluster`). */
export interface ClusterInfraOptions {
  /** Its state: postgres/, redis/node-<port>/, temporal/ (generated configs). */
  readonly dataDir: string;
  readonly logDir: string;
  readonly pathEnv: string;
  readonly temporal: {
    readonly host: string;
    readonly port: number;
    readonly uiPort: number;
    readonly namespace: string;
    readonly historyShards: number;
    readonly dynamicConfig?: Readonly<Record<string, unknown>>;
  };
  /** The masters of the Redis Cluster (at least 3), bus ports at port + 10000. */
  readonly redis: { readonly host: string; readonly ports: readonly number[] };
}

export interface ClusterInfra {
  readonly postgres: SupervisedPostgres;
  /** `host:port` of every Redis master, for REDIS_CLUSTER_NODES. */
  readonly redisNodes: readonly string[];
  readonly temporalVersion: string;
  /** Namespace and search attributes this start registered (empty once they exist). */
  readonly created: readonly string[];
}

/**
 * Starts, each under the supervisor: PostgreSQL (state in `dataDir`), the Temporal server on it
 * (schemas set up or upgraded first, then the namespace and fin-line's search attributes), the
 * Temporal Web UI server and the Redis Cluster's masters, joined into one cluster the first time.
 * Refuses when something already listens on one of their ports: this profile runs its own
 * servers, never a dev server or a Redis someone else started.
 */
export async function superviseClusterInfra(
  supervisor: Supervisor,
  opts: ClusterInfraOptions,
): Promise<ClusterInfra> {
  const tools = findClusterTools();
  const redisServer = findRedisServer(opts.pathEnv);
  const t = opts.temporal;
  const ports = [
    ...allTemporalServerPorts(t.port).map((port) => ({ host: t.host, port })),
    { host: t.host, port: t.uiPort },
    ...opts.redis.ports.map((port) => ({ host: opts.redis.host, port })),
    ...opts.redis.ports.map((port) => ({ host: opts.redis.host, port: port + 10_000 })),
  ];
  for (const { host, port } of ports) {
    if (await isListening(host, port)) {
      throw new Error(
        `${host}:${port} is taken (the cluster profile starts its own Temporal server, UI and Redis Cluster there): stop what listens there (npm start?) or move it (TEMPORAL_ADDRESS, TEMPORAL_UI_PORT, REDIS_CLUSTER_NODES)`,
      );
    }
  }

  const postgres = await supervisePostgres(supervisor, {
    dataDir: join(opts.dataDir, 'postgres'),
    logDir: opts.logDir,
  });
  const temporalLog = join(opts.logDir, 'temporal-server.log');
  await supervisor.add({
    name: 'temporal-server',
    logFile: temporalLog,
    stopGraceMs: SERVER_GRACE_MS,
    start: async () => {
      // At every start: a restart after a server upgrade brings the schemas up to date.
      await setupTemporalSchema({
        sqlTool: tools.sqlTool,
        schemaDir: tools.schemaDir,
        host: postgres.host,
        port: postgres.port,
        user: 'postgres',
      });
      return runOf(
        await startTemporalPostgresServer({
          binary: tools.temporalServer,
          host: t.host,
          port: t.port,
          postgres: { host: postgres.host, port: postgres.port, user: 'postgres' },
          numHistoryShards: t.historyShards,
          configDir: join(opts.dataDir, 'temporal'),
          logFile: temporalLog,
          dynamicConfig: t.dynamicConfig,
          detached: true,
        }),
      );
    },
  });
  const address = `${t.host}:${t.port}`;
  const { created } = await ensureNamespace({ address, namespace: t.namespace });
  await supervisor.add({
    name: 'temporal-ui',
    logFile: join(opts.logDir, 'temporal-ui.log'),
    start: () =>
      startTemporalUiServer({
        binary: tools.uiServer,
        root: join(opts.dataDir, 'temporal-ui'),
        temporalAddress: address,
        host: t.host,
        port: t.uiPort,
        defaultNamespace: t.namespace,
        logFile: join(opts.logDir, 'temporal-ui.log'),
        detached: true,
      }),
  });

  const { host } = opts.redis;
  for (const port of opts.redis.ports) {
    const logFile = join(opts.logDir, `redis-${port}.log`);
    await supervisor.add({
      name: `redis-${port}`,
      logFile,
      stopGraceMs: SERVER_GRACE_MS,
      start: async () =>
        runOf(
          await startRedisClusterNode({
            binary: redisServer,
            host,
            port,
            dataDir: join(opts.dataDir, 'redis', `node-${port}`),
            logFile,
            detached: true,
          }),
        ),
    });
  }
  await joinRedisCluster(redisServer, host, opts.redis.ports);
  return {
    postgres,
    redisNodes: opts.redis.ports.map((p) => `${host}:${p}`),
    temporalVersion: tools.version,
    created,
  };
}
