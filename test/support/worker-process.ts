import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';
import { spawnManaged, type ManagedProcess } from '../../lib/devstack/child';

/**
 * The worker as its own process (`workers/main.ts`), configured by `env`, so a test can
 * SIGKILL it; its output goes to `<tmpdir>/fin-line-<name>.log`.
 */
export function spawnWorkerProcess(name: string, env: Env): ManagedProcess {
  return spawnAppProcess(name, 'workers/main.ts', env);
}

/**
 * One of fin-line's processes (`workers/main.ts`, `api/main.ts`, `simulator/main.ts`) as its
 * own process, as `npm run worker|api|simulator` starts it; output to `<tmpdir>/fin-line-<name>.log`.
 */
export function spawnAppProcess(name: string, entry: string, env: Env): ManagedProcess {
  return spawnManaged(name, process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, entry)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    logFile: join(tmpdir(), `fin-line-${name}.log`),
  });
}
