import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** Project root: this file lives in lib/devstack. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * The Temporal CLI installed by scripts/setup-tools.sh (tools/venv), else `temporal` on PATH.
 * Throws with the command to run when neither exists.
 */
export function findTemporal(pathEnv: string): string {
  const local = join(PROJECT_ROOT, 'tools', 'venv', 'bin', 'temporal');
  const found = executable(local) ? local : onPath('temporal', pathEnv);
  if (!found)
    throw new Error('Temporal CLI not found: run `npm run setup` (scripts/setup-tools.sh)');
  return found;
}

export function findRedisServer(pathEnv: string): string {
  const found = onPath('redis-server', pathEnv);
  if (!found)
    throw new Error('redis-server not found: run `npm run setup` (scripts/setup-tools.sh)');
  return found;
}

/** The production Temporal profile's binaries, built by `scripts/setup-tools.sh cluster`. */
export interface ClusterTools {
  /** go.temporal.io/server's cmd/server. */
  readonly temporalServer: string;
  /** Its SQL schema tool (cmd/tools/sql). */
  readonly sqlTool: string;
  /** The standalone Web UI server. */
  readonly uiServer: string;
  /** The server module's schema/postgresql folder, of the version built. */
  readonly schemaDir: string;
  /** The server's version (v1.32.2). */
  readonly version: string;
}

/**
 * Finds tools/bin/temporal-server, temporal-sql-tool and ui-server and the schema files of the
 * server's version (from its stamp file). Throws with the command to run when one is missing.
 */
export function findClusterTools(): ClusterTools {
  const bin = join(PROJECT_ROOT, 'tools', 'bin');
  const missing = () =>
    new Error(
      'the Temporal server, its SQL tool or the UI server is not built: run `npm run setup -- cluster` (scripts/setup-tools.sh)',
    );
  let stamp: string;
  try {
    stamp = readFileSync(join(bin, 'temporal-server.version'), 'utf8').trim();
  } catch {
    throw missing();
  }
  const version = stamp.slice(stamp.lastIndexOf('@') + 1);
  const tools: ClusterTools = {
    temporalServer: join(bin, 'temporal-server'),
    sqlTool: join(bin, 'temporal-sql-tool'),
    uiServer: join(bin, 'ui-server'),
    schemaDir: join(PROJECT_ROOT, 'tools', 'temporal-schema', version, 'postgresql'),
    version,
  };
  if (![tools.temporalServer, tools.sqlTool, tools.uiServer].every(executable)) throw missing();
  if (!existsSync(tools.schemaDir)) throw missing();
  return tools;
}
