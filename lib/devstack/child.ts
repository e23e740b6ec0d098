import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** A child process we started and must stop. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** Omitted: the child inherits this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Append stdout and stderr to this file; undefined discards them. */
  readonly logFile?: string;
  /** Pass stdout and stderr through to ours (wins over logFile). */
  readonly inherit?: boolean;
  /**
   * In a process group of its own, so that a terminal's Ctrl-C reaches only the parent, which
   * then stops its children in its own order (the supervisor of `npm start`).
   */
  readonly detached?: boolean;
}

export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  opts: SpawnOptions = {},
): ManagedProcess {
  const inherit = opts.inherit === true;
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    detached: opts.detached === true,
  });
  if (!inherit && opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    const out = createWriteStream(opts.logFile, { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
  } else if (!inherit) {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('spawn-error'));
  });
  return {
    name,
    child,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
