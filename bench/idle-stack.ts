import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/devstack/binaries';
import { freePort } from '../lib/devstack/ports';
import type { Env } from '../lib/config';
import { treeCpuSeconds } from './proc-cpu';

/** The processes of an `npm start` stack whose CPU is reported, by role. */
export const ROLES = ['temporal', 'redis', 'worker', 'api', 'simulator'] as const;
export type Role = (typeof ROLES)[number];

/** Which role a command line belongs to (the supervisor's children), or undefined. */
function roleOf(cmdline: string): Role | undefined {
  if (/redis-server/.test(cmdline)) return 'redis';
  if (/\btemporal\b.*\bserver\b/.test(cmdline)) return 'temporal';
  if (/workers\/main\.ts/.test(cmdline)) return 'worker';
  if (/api\/main\.ts/.test(cmdline)) return 'api';
  if (/simulator\/main\.ts/.test(cmdline)) return 'simulator';
  return undefined;
}

function readProc(pid: number): { ppid: number; cmdline: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { ppid, cmdline };
  } catch {
    return undefined;
  }
}

/**
 * The top process of each role under `root` (its own descendants count with it, as the
 * Temporal CLI's server child does).
 */
export function rolePids(root: number): Partial<Record<Role, number>> {
  const procs = new Map<number, { ppid: number; cmdline: string }>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const p = readProc(pid);
    if (p) procs.set(pid, p);
  }
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  const out: Partial<Record<Role, number>> = {};
  // Breadth first: the first process of a role found is its top one.
  const todo = [...(children.get(root) ?? [])];
  while (todo.length > 0) {
    const pid = todo.shift()!;
    const role = roleOf(procs.get(pid)!.cmdline);
    if (role && out[role] === undefined) out[role] = pid;
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds so far of each role and of the supervisor (`npm start` itself, the rest). */
export function stackCpuSeconds(
  root: number,
  pids: Partial<Record<Role, number>>,
): Record<Role | 'supervisor', number> {
  const roles = Object.fromEntries(
    ROLES.map((r) => [r, pids[r] === undefined ? 0 : treeCpuSeconds(pids[r])]),
  ) as Record<Role, number>;
  const all = treeCpuSeconds(root);
  const supervisor = all - ROLES.reduce((a, r) => a + roles[r], 0);
  return { ...roles, supervisor };
}

export interface StartedStack {
  /** The `scripts/start.ts` process (what `npm start` runs last). */
  readonly child: ChildProcess;
  /** Its configuration (the environment it and its children read). */
  readonly env: Env;
  readonly dataDir: string;
  /** SIGTERM (the stack stops in order), then SIGKILL of its processes after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * `scripts/start.ts` exactly as `npm start` runs it (the console already built), on free ports
 * and in its own data directory, so it never meets another stack on the machine. Everything
 * else is the default configuration, the simulator's rate included.
 */
export async function startNpmStack(dataDir: string, extra: Env = {}): Promise<StartedStack> {
  const port = async () => String(await freePort());
  const env: Env = {
    ...process.env,
    TEMPORAL_ADDRESS: `127.0.0.1:${await port()}`,
    TEMPORAL_UI_PORT: await port(),
    REDIS_URL: `redis://127.0.0.1:${await port()}`,
    API_PORT: await port(),
    SIMULATOR_PORT: await port(),
    WORKER_METRICS_PORT: await port(),
    DATA_DIR: dataDir,
    ...extra,
  };
  delete env.REDIS_CLUSTER_NODES;
  const log = openSync(join(dataDir, 'start.log'), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: PROJECT_ROOT,
    env: env,
    stdio: ['ignore', log, log],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    env,
    dataDir,
    async stop(graceMs = 60_000) {
      if (child.exitCode !== null) return;
      // Its children run in process groups of their own: note them for a kill after the grace.
      const pids = child.pid ? Object.values(rolePids(child.pid)) : [];
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (!timedOut) return;
      for (const pid of [child.pid, ...pids]) {
        try {
          if (pid) process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    },
  };
}
