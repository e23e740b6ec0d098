import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { spawnManaged, type ManagedProcess } from './child';
import { waitFor } from './ports';

/** The production Temporal server (`go.temporal.io/server`) on PostgreSQL, one process. */
export interface TemporalPostgresServerOptions {
  /** tools/bin/temporal-server. */
  readonly binary: string;
  /** Frontend gRPC address: the one the workers, APIs and UI connect to. */
  readonly host: string;
  readonly port: number;
  readonly postgres: { readonly host: string; readonly port: number; readonly user: string };
  /**
   * History shards: fixed when the cluster's database is created (changing it later needs a
   * new database), so a data folder keeps the value it was created with.
   */
  readonly numHistoryShards: number;
  /** Where the generated config files go. */
  readonly configDir: string;
  readonly logFile?: string;
  /** Dynamic config keys (e.g. `frontend.namespaceRPS`), beside fin-line's own. */
  readonly dynamicConfig?: Readonly<Record<string, unknown>>;
  /** In a process group of its own (see SpawnOptions.detached). */
  readonly detached?: boolean;
}

/**
 * The server's other ports, in Temporal's default layout relative to the frontend's gRPC port
 * (7233 → history 7234, matching 7235, worker 7239, frontend HTTP 7243, membership 6933–6939,
 * Prometheus metrics 8000): one key (TEMPORAL_ADDRESS) moves them all, so a test can run this
 * server on free ports beside another. The frontend port must stay below 33,068: the server
 * stores membership ports (frontend − 300 …) in a PostgreSQL smallint column.
 */
export function temporalServerPorts(frontend: number) {
  return {
    frontend: { grpcPort: frontend, membershipPort: frontend - 300, httpPort: frontend + 10 },
    history: { grpcPort: frontend + 1, membershipPort: frontend - 299 },
    matching: { grpcPort: frontend + 2, membershipPort: frontend - 298 },
    worker: { grpcPort: frontend + 6, membershipPort: frontend - 294 },
    metrics: frontend + 767,
  };
}

/** Every port {@link temporalServerPorts} uses, for a caller checking they are free. */
export function allTemporalServerPorts(frontend: number): number[] {
  const p = temporalServerPorts(frontend);
  return [
    ...[p.frontend, p.history, p.matching, p.worker].flatMap((s) => Object.values(s)),
    p.metrics,
  ];
}

/** The server's config (development-postgres12.yaml of the server's repository, as a base). */
export function temporalServerConfig(
  opts: TemporalPostgresServerOptions,
  dynamicConfigFile: string,
) {
  const ports = temporalServerPorts(opts.port);
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${opts.postgres.host}:${opts.postgres.port}`,
      connectProtocol: 'tcp',
      user: opts.postgres.user,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (p: { grpcPort: number; membershipPort: number; httpPort?: number }) => ({
    rpc: { ...p, bindOnIP: opts.host },
  });
  return {
    log: { stdout: true, level: 'warn', format: 'json' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: opts.numHistoryShards,
      datastores: {
        'postgres-default': sql('temporal', 20),
        'postgres-visibility': sql('temporal_visibility', 4),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: opts.host },
      metrics: {
        prometheus: {
          framework: 'tally',
          timerType: 'histogram',
          listenAddress: `${opts.host}:${ports.metrics}`,
        },
      },
    },
    services: {
      frontend: rpc(ports.frontend),
      history: rpc(ports.history),
      matching: rpc(ports.matching),
      worker: rpc(ports.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `${opts.host}:${opts.port}`,
          httpAddress: `${opts.host}:${ports.frontend.httpPort}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/** Dynamic config as the server's file format wants it: a list of constrained values per key. */
function dynamicConfigYaml(values: Readonly<Record<string, unknown>>): string {
  return stringify(
    Object.fromEntries(
      Object.entries(values).map(([k, value]) => [k, [{ value, constraints: {} }]]),
    ),
  );
}

/**
 * Writes the config files and starts the server (all four services in one process, as a
 * small deployment runs it), then waits until the frontend answers. The databases must have
 * their schemas (setupTemporalSchema); the namespace is created after (ensureNamespace).
 */
export async function startTemporalPostgresServer(
  opts: TemporalPostgresServerOptions,
): Promise<ManagedProcess> {
  mkdirSync(opts.configDir, { recursive: true });
  const dynamicFile = join(opts.configDir, 'dynamic-config.yaml');
  writeFileSync(
    dynamicFile,
    dynamicConfigYaml({
      // As the dev server: a search attribute added through the operator service is usable at once.
      'system.forceSearchAttributesCacheRefreshOnRead': true,
      'limit.maxIDLength': 255,
      ...opts.dynamicConfig,
    }),
  );
  const configFile = join(opts.configDir, 'temporal-server.yaml');
  writeFileSync(configFile, stringify(temporalServerConfig(opts, dynamicFile)));
  const proc = spawnManaged(
    'temporal-server',
    opts.binary,
    ['--config-file', configFile, '--allow-no-auth', 'start'],
    { logFile: opts.logFile, detached: opts.detached, cwd: opts.configDir },
  );
  const address = `${opts.host}:${opts.port}`;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  await waitFor(
    `Temporal server at ${address}`,
    async () => {
      if (exited) {
        throw new Error(`temporal-server exited early (see ${opts.logFile ?? 'its output'})`);
      }
      return frontendServing(address);
    },
    90_000,
    500,
  ).catch(async (err) => {
    await proc.stop(2000);
    throw err;
  });
  return proc;
}

/** True when the frontend at `address` answers GetSystemInfo (its services joined). */
async function frontendServing(address: string): Promise<boolean> {
  let conn: Connection | undefined;
  try {
    conn = await Connection.connect({ address, connectTimeout: 1000 });
    await conn.workflowService.getSystemInfo({});
    await conn.workflowService.describeNamespace({ namespace: 'temporal-system' });
    return true;
  } catch {
    return false;
  } finally {
    await conn?.close();
  }
}
