import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startFeed, startPipelines, simulatorFeed } from '../../clients';
import { loadConfig, type Config, type Env } from '../../lib/config';
import {
  findRedisServer,
  findTemporal,
  freePort,
  PROJECT_ROOT,
  spawnManaged,
  waitFor,
  startRedisServer,
  startTemporalServer,
  type ChildRun,
  type ManagedProcess,
} from '../../lib/devstack';
import type { Logger } from '../../lib/logger';

/** What the chaos stack runs, and how hard. */
export interface ChaosStackOptions {
  /** Everything the run writes: AOF, Temporal's SQLite file, logs. */
  readonly dir: string;
  readonly eventsPerSecond: number;
  readonly workers: number;
  readonly partitions: number;
  readonly logger: Logger;
}

/** A process of the stack that the run can kill and start again. */
interface Slot {
  readonly name: string;
  run: { process: ManagedProcess; stop: ChildRun['stop'] } | undefined;
  readonly start: () => Promise<{ process: ManagedProcess; stop: ChildRun['stop'] }>;
}

/**
 * The whole pipeline on free ports, each process its own and restartable in place: Redis with
 * AOF (`appendfsync always`: every write Redis acknowledged survives its SIGKILL, so what the
 * run checks is the pipeline, not a second of AOF a kill may cost with `everysec`), the
 * Temporal dev server on a SQLite file, worker processes, one API and the simulator.
 */
export class ChaosStack {
  readonly config: Config;
  readonly env: Env;
  readonly simulatorUrl: string;
  readonly apiUrl: string;
  private readonly slots = new Map<string, Slot>();
  private readonly order: string[] = [];
  /** App processes spawned and not yet exited, ready or not. */
  private readonly starting = new Set<ManagedProcess>();

  private constructor(
    private readonly opts: ChaosStackOptions,
    private readonly ports: Record<'redis' | 'temporal' | 'api' | 'simulator', number> & {
      readonly workers: readonly { metrics: number }[];
    },
  ) {
    const p = ports;
    this.env = {
      ...process.env,
      REDIS_URL: `redis://127.0.0.1:${p.redis}`,
      TEMPORAL_ADDRESS: `127.0.0.1:${p.temporal}`,
      TEMPORAL_NAMESPACE: 'default',
      API_HOST: '127.0.0.1',
      API_PORT: String(p.api),
      SIMULATOR_HOST: '127.0.0.1',
      SIMULATOR_PORT: String(p.simulator),
      SIMULATOR_EVENTS_PER_SECOND: String(opts.eventsPerSecond),
      PIPELINE_PARTITIONS: String(opts.partitions),
      PIPELINE_STATUS_MS: '1000',
      WORKER_SHUTDOWN_GRACE_MS: '1000',
      WORKER_SDK_METRICS_PORT: '0',
      DATA_DIR: opts.dir,
      LOG_LEVEL: 'info',
    };
    this.config = loadConfig(this.env);
    this.simulatorUrl = `http://127.0.0.1:${p.simulator}`;
    this.apiUrl = `http://127.0.0.1:${p.api}`;
  }

  /** Picks free ports; nothing runs yet. */
  static async create(opts: ChaosStackOptions): Promise<ChaosStack> {
    const workers = [];
    for (let i = 0; i < opts.workers; i++) workers.push({ metrics: await freePort() });
    return new ChaosStack(opts, {
      redis: await freePort(),
      temporal: await freePort(),
      api: await freePort(),
      simulator: await freePort(),
      workers,
    });
  }

  /** Names of the worker processes (`worker-1`, ...). */
  get workerNames(): string[] {
    return this.ports.workers.map((_, i) => `worker-${i + 1}`);
  }

  /** Starts every process, then the feed and one pipeline per partition. */
  async start(): Promise<void> {
    const { dir } = this.opts;
    const pathEnv = process.env.PATH ?? '';
    const logs = join(dir, 'logs');
    const runOf = (process: ManagedProcess) => ({
      process,
      stop: (graceMs?: number) => process.stop(graceMs),
    });
    this.add('redis', async () =>
      runOf(
        await startRedisServer({
          binary: findRedisServer(pathEnv),
          host: '127.0.0.1',
          port: this.ports.redis,
          dataDir: join(dir, 'redis'),
          appendfsync: 'always',
          logFile: join(logs, 'redis.log'),
        }),
      ),
    );
    this.add('temporal', async () =>
      runOf(
        await startTemporalServer({
          binary: findTemporal(pathEnv),
          host: '127.0.0.1',
          port: this.ports.temporal,
          dbFile: join(dir, 'temporal', 'temporal.db'),
          namespace: 'default',
          headless: true,
          logFile: join(logs, 'temporal.log'),
        }),
      ),
    );
    const app = (name: string, entry: string, readyUrl: string, env: Env = {}) =>
      this.add(name, async () => {
        const p = spawnManaged(name, process.execPath, ['--import', 'tsx', entry], {
          cwd: PROJECT_ROOT,
          env: { ...this.env, ...env },
          logFile: join(logs, `${name}.log`),
        });
        // Known before it is ready, so a stop during its start-up stops it too.
        this.starting.add(p);
        void p.exited.then(() => this.starting.delete(p));
        const ready = waitFor(
          `${name} at ${readyUrl}`,
          async () => (await fetch(readyUrl, { signal: AbortSignal.timeout(1000) })).ok,
          120_000,
          250,
        );
        const exited = p.exited.then((code) => {
          throw new Error(`${name} exited (${code}) during start-up; see ${logs}/${name}.log`);
        });
        // It exits later when a fault kills it: that is no start-up failure.
        exited.catch(() => undefined);
        await Promise.race([ready, exited]).catch(async (err: unknown) => {
          await p.stop(2000);
          throw err;
        });
        return runOf(p);
      });
    app('simulator', 'simulator/main.ts', `${this.simulatorUrl}/healthz`);
    this.ports.workers.forEach((w, i) =>
      app(`worker-${i + 1}`, 'workers/main.ts', `http://127.0.0.1:${w.metrics}/healthz`, {
        WORKER_METRICS_PORT: String(w.metrics),
      }),
    );
    app('api', 'api/main.ts', `${this.apiUrl}/healthz`);
    for (const name of this.order) await this.startProcess(name);

    await this.withTemporal(async (client) => {
      await startFeed(client, this.config, simulatorFeed(this.config));
      await startPipelines(client, this.config);
    });
  }

  /** Runs `fn` with a client of the stack's Temporal server. */
  async withTemporal<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const connection = await Connection.connect({ address: this.config.temporal.address });
    try {
      return await fn(new Client({ connection, namespace: this.config.temporal.namespace }));
    } finally {
      await connection.close();
    }
  }

  /** Starts (or starts again) one process and waits until it is ready. */
  async startProcess(name: string): Promise<void> {
    const slot = this.slot(name);
    // A few tries: on a shared machine a free port can be taken between its pick and its bind.
    for (let attempt = 1; ; attempt++) {
      try {
        slot.run = await slot.start();
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
        this.opts.logger.warn({ process: name, attempt, err }, 'start failed; trying again');
      }
    }
    this.opts.logger.info({ process: name, pid: slot.run.process.child.pid }, 'started');
  }

  /** Sends `signal` to a process (SIGKILL also waits for it to be gone). */
  async signal(name: string, signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    const run = this.slot(name).run;
    if (run === undefined) throw new Error(`${name} is not running`);
    run.process.child.kill(signal);
    if (signal === 'SIGKILL') {
      await run.process.exited;
      this.slot(name).run = undefined;
    }
  }

  /** Stops everything, in reverse order of start. */
  async stop(): Promise<void> {
    for (const name of [...this.order].reverse()) {
      const slot = this.slot(name);
      const run = slot.run;
      slot.run = undefined;
      // A process left stopped (SIGSTOP) would never see the SIGTERM.
      run?.process.child.kill('SIGCONT');
      await run?.stop(5000).catch(() => undefined);
    }
    await Promise.all([...this.starting].map((p) => p.stop(5000)));
  }

  private add(name: string, start: Slot['start']): void {
    this.slots.set(name, { name, run: undefined, start });
    this.order.push(name);
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new Error(`no process ${name}`);
    return slot;
  }
}
