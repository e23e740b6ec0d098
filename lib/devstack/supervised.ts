import { spawnManaged, type ManagedProcess, type SpawnOptions } from './child';
import type { ChildRun } from './supervisor';

/** A run whose stop is the process's own (SIGTERM, then SIGKILL after the grace time). */
export function runOf(process: ManagedProcess): ChildRun {
  return { process, stop: (graceMs) => process.stop(graceMs) };
}

/** What {@link startReady} starts and how it knows the process is up. */
export interface ReadyProcessOptions extends SpawnOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Up once a GET answers 2xx here; omitted: up once spawned. */
  readonly readyUrl?: string;
  /** @defaultValue 60000 */
  readonly readyTimeoutMs?: number;
}

/**
 * Spawns a process and resolves once `readyUrl` answers, for a supervisor's `start`. Rejects
 * as soon as the process exits during the wait, or at the timeout (stopping it): either way a
 * failed start the supervisor retries with its backoff.
 */
export async function startReady(opts: ReadyProcessOptions): Promise<ChildRun> {
  const p = spawnManaged(opts.name, opts.command, opts.args, opts);
  const url = opts.readyUrl;
  if (url === undefined) return runOf(p);
  let exit: number | string | undefined;
  void p.exited.then((e) => (exit = e));
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exit !== undefined) {
      throw new Error(`${opts.name} exited (${exit}) before ${url} answered`);
    }
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return runOf(p);
    if (Date.now() > deadline) {
      await p.stop(2000);
      throw new Error(
        `${opts.name}: ${url} did not answer within ${opts.readyTimeoutMs ?? 60_000} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
