import { accessSync, constants } from 'node:fs';
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
