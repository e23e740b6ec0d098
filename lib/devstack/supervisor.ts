import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../logger';
import type { ManagedProcess } from './child';
import { lastLines } from './log-tail';

/**
 * A process supervisor for the local stack (`npm start`, and the cluster profile): it starts
 * children in order, restarts one that dies with exponential backoff (a line and a counter per
 * restart), reports a crash loop as an error with the child's last log lines and then waits
 * long rather than spinning, and stops everything in reverse order on request. The model is
 * Kubernetes's CrashLoopBackOff and systemd's `Restart=always` with a start limit.
 */

/** One run of a child, as its `start` made it. */
export interface ChildRun {
  readonly process: ManagedProcess;
  /** Stops this run gracefully within `graceMs` (SIGTERM, then SIGKILL). */
  stop(graceMs: number): Promise<void>;
}

/** A child the supervisor keeps running. */
export interface ChildSpec {
  readonly name: string;
  /**
   * Starts the child and resolves once it is ready (listening, answering); rejects when it
   * cannot, having stopped what it started. Called again for every restart.
   */
  start(): Promise<ChildRun>;
  /** How long a stop may take before SIGKILL. @defaultValue 10000 */
  readonly stopGraceMs?: number;
  /** Where its output goes: named in a crash-loop report, with its last lines. */
  readonly logFile?: string;
}

/** Restart policy; `npm start` takes it from the `SUPERVISOR_*` keys. */
export interface RestartPolicy {
  /** Delay before the first restart; doubled per restart. */
  readonly backoffBaseMs: number;
  /** Ceiling of that delay outside a crash loop. */
  readonly backoffMaxMs: number;
  /** This many restarts within `crashLoopWindowMs` is a crash loop. */
  readonly crashLoopRestarts: number;
  /** That window; a child that ran this long starts its backoff afresh. */
  readonly crashLoopWindowMs: number;
  /** Delay before the next restart of a child in a crash loop. */
  readonly crashLoopDelayMs: number;
}

export interface SupervisorOptions extends RestartPolicy {
  readonly logger: Logger;
  /** Where `finline_supervisor_restarts_total{process}` is registered, if anywhere. */
  readonly registry?: Registry;
  /** @defaultValue Date.now */
  readonly now?: () => number;
}

/** What a child is doing. */
export type ChildState = 'starting' | 'running' | 'waiting' | 'stopped';

interface Child {
  readonly spec: ChildSpec;
  state: ChildState;
  run: ChildRun | undefined;
  /** When the current run became ready. */
  startedAt: number;
  /** Restarts since the last run that lasted a whole window (the backoff exponent). */
  attempt: number;
  restarts: number;
  /** Times of the restarts within the crash-loop window. */
  recent: number[];
  timer: NodeJS.Timeout | undefined;
  /** A start in progress, which {@link Supervisor.stop} waits for. */
  pending: Promise<unknown> | undefined;
}

/** An error's message (not instanceof: errors may come from another realm). */
function messageOf(err: unknown): string {
  const m = (err as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(err);
}

/** How an exit is reported: the exit code or the signal. */
function exitOf(p: ManagedProcess): { code?: number; signal?: string } {
  const { exitCode, signalCode } = p.child;
  if (signalCode !== null) return { signal: signalCode };
  if (exitCode !== null) return { code: exitCode };
  return {};
}

/** Keeps children running; see the module comment. */
export class Supervisor {
  private readonly children: Child[] = [];
  private readonly byName = new Map<string, Child>();
  private readonly now: () => number;
  private readonly counter: Counter | undefined;
  private isStopping = false;

  constructor(private readonly opts: SupervisorOptions) {
    this.now = opts.now ?? Date.now;
    this.counter = opts.registry
      ? new Counter({
          name: 'finline_supervisor_restarts_total',
          help: 'Restarts of a child of the local-stack supervisor (npm start).',
          labelNames: ['process'],
          registers: [opts.registry],
        })
      : undefined;
  }

  /**
   * Starts a child and keeps it running from then on. Rejects when its first start fails:
   * a stack that cannot start at all is a configuration problem, not a crash to retry.
   */
  async add(spec: ChildSpec): Promise<void> {
    if (this.byName.has(spec.name)) throw new Error(`${spec.name} is supervised already`);
    if (this.isStopping) throw new Error('the supervisor is stopping');
    const child: Child = {
      spec,
      state: 'starting',
      run: undefined,
      startedAt: 0,
      attempt: 0,
      restarts: 0,
      recent: [],
      timer: undefined,
      pending: undefined,
    };
    this.children.push(child);
    this.byName.set(spec.name, child);
    const starting = spec.start();
    child.pending = starting;
    try {
      this.adopt(child, await starting);
    } catch (err) {
      child.state = 'stopped';
      throw err;
    } finally {
      child.pending = undefined;
    }
  }

  /** True once {@link stop} was called. */
  get stopping(): boolean {
    return this.isStopping;
  }

  /** Restarts of a child since it was added. */
  restarts(name: string): number {
    return this.byName.get(name)?.restarts ?? 0;
  }

  state(name: string): ChildState | undefined {
    return this.byName.get(name)?.state;
  }

  /** The current process of a child, while it runs. */
  process(name: string): ManagedProcess | undefined {
    const c = this.byName.get(name);
    return c?.state === 'running' ? c.run?.process : undefined;
  }

  /**
   * Stops every child in the reverse order of adding (the API before Redis), each within its
   * grace time; pending restarts are cancelled. Resolves when all are gone.
   */
  async stop(): Promise<void> {
    this.isStopping = true;
    for (const c of [...this.children].reverse()) {
      clearTimeout(c.timer);
      // A start in progress finishes first, so that what it starts is stopped too.
      await c.pending?.catch(() => undefined);
      const run = c.run;
      if (run && c.state === 'running') {
        const graceMs = c.spec.stopGraceMs ?? 10_000;
        this.opts.logger.info({ process: c.spec.name, graceMs }, 'stopping');
        await run.stop(graceMs);
        this.opts.logger.info({ process: c.spec.name, ...exitOf(run.process) }, 'stopped');
      }
      c.state = 'stopped';
    }
  }

  private adopt(child: Child, run: ChildRun): void {
    child.run = run;
    child.state = 'running';
    child.startedAt = this.now();
    void run.process.exited.then(() => {
      if (child.run === run && !this.isStopping) this.onExit(child, exitOf(run.process));
    });
  }

  private onExit(child: Child, exit: { code?: number; signal?: string }): void {
    const { name } = child.spec;
    const p = this.opts;
    const at = this.now();
    // A run that lasted a whole window was healthy: its death starts the backoff afresh.
    if (child.startedAt > 0 && at - child.startedAt >= p.crashLoopWindowMs) child.attempt = 0;
    child.restarts++;
    child.recent = [...child.recent.filter((t) => at - t < p.crashLoopWindowMs), at];
    this.counter?.inc({ process: name });
    const crashLoop = child.recent.length >= p.crashLoopRestarts;
    const delayMs = crashLoop
      ? p.crashLoopDelayMs
      : Math.min(
          Math.max(p.backoffMaxMs, p.backoffBaseMs),
          p.backoffBaseMs * 2 ** Math.min(child.attempt, 30),
        );
    child.attempt++;
    child.state = 'waiting';
    child.run = undefined;
    p.logger.warn(
      {
        process: name,
        ...exit,
        restarts: child.restarts,
        recentRestarts: child.recent.length,
        delayMs,
      },
      `${name} exited; restarting in ${delayMs} ms`,
    );
    if (crashLoop) {
      p.logger.error(
        {
          process: name,
          restarts: child.recent.length,
          windowMs: p.crashLoopWindowMs,
          delayMs,
          log: child.spec.logFile,
          lastLines: child.spec.logFile ? lastLines(child.spec.logFile, 20) : undefined,
        },
        `crash loop: ${name} restarted ${child.recent.length} times within ${p.crashLoopWindowMs} ms; next try in ${delayMs} ms` +
          (child.spec.logFile ? ` (its log: ${child.spec.logFile})` : ''),
      );
    }
    child.timer = setTimeout(() => this.restart(child), delayMs);
  }

  private restart(child: Child): void {
    child.timer = undefined;
    if (this.isStopping) return;
    child.state = 'starting';
    child.pending = child.spec.start().then(
      (run) => {
        child.pending = undefined;
        this.adopt(child, run);
      },
      (err: unknown) => {
        child.pending = undefined;
        if (this.isStopping) return;
        this.opts.logger.warn(
          { process: child.spec.name, error: messageOf(err) },
          `${child.spec.name} did not start`,
        );
        // A failed start is a crash like any other: the same backoff, the same loop detection.
        child.startedAt = 0;
        this.onExit(child, {});
      },
    );
  }
}
