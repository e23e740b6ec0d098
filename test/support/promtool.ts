import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';

/** What a tool run printed and how it ended. */
export interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` in the project root, `input` on its stdin. */
export function runTool(command: string, args: readonly string[], input?: string): ToolRun {
  const r = spawnSync(command, args, { cwd: PROJECT_ROOT, input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A tool scripts/setup-tools.sh installs: on PATH, else under tools/bin (built there once).
 * Throws naming the setup script when it is missing, rather than skipping the check.
 */
export function findTool(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  const local = join(PROJECT_ROOT, 'tools', 'bin', name);
  if (existsSync(local)) return local;
  throw new Error(`${name} not found: run scripts/setup-tools.sh (npm test does)`);
}
