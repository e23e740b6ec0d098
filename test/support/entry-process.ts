import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';
import { spawnManaged, type ManagedProcess } from '../../lib/devstack/child';

/** The process entrypoints a test can run for real. */
export type Entry = 'api/main.ts' | 'workers/main.ts' | 'simulator/main.ts';

/** Where {@link spawnEntry} writes a process's output. */
export function entryLogFile(name: string): string {
  return join(tmpdir(), `fin-line-${name}.log`);
}

/**
 * One of fin-line's processes (`node --import tsx <entry>`), configured by `env` on top of
 * this process's environment, so a test can signal or kill it; its output goes to
 * {@link entryLogFile}.
 */
export function spawnEntry(name: string, entry: Entry, env: Env): ManagedProcess {
  return spawnManaged(name, process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, entry)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    logFile: entryLogFile(name),
  });
}
