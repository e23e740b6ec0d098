import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import { createRedis, keysOf, type Redis } from '../../lib/redis';
import type { ChaosStack } from './stack';

/** The faults the run injects. */
export const FAULT_KINDS = [
  'worker-kill',
  'redis-kill',
  'temporal-kill',
  'api-kill',
  'redis-pause',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One injected fault and how long the stack took to recover. */
export interface FaultRecord {
  readonly kind: FaultKind;
  /** ms since the run started. */
  readonly at: number;
  readonly target: string;
  /** ms from the fault to recovery; undefined when it did not recover in time. */
  readonly recoveryMs: number | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads every partition's `normalize:in` on a connection of its own that fails fast while
 * Redis is down or stopped (no offline queue, short timeouts), so a probe never waits out an
 * outage it is measuring.
 */
export class CommitProbe {
  private readonly redis: Redis;
  private readonly stats: string[];

  constructor(config: Config) {
    this.redis = createRedis(config.redis, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      connectTimeout: 1000,
      retryStrategy: () => 200,
    });
    this.redis.on('error', () => undefined);
    this.stats = keysOf(config).all.map((pk) => pk.pipelineStats);
  }

  /** Each partition's normalize:in; undefined while Redis does not answer. */
  async read(): Promise<number[] | undefined> {
    try {
      const pipe = this.redis.pipeline();
      for (const key of this.stats) pipe.hget(key, 'normalize:in');
      const replies = (await pipe.exec()) ?? [];
      return replies.map(([err, v]) => {
        if (err) throw err;
        return Number(v ?? 0);
      });
    } catch {
      return undefined;
    }
  }

  /** ms from `since` until every partition has committed past `baseline`, or undefined at the timeout. */
  async committedAgain(
    baseline: readonly number[],
    since: number,
    timeoutMs: number,
  ): Promise<number | undefined> {
    while (Date.now() - since < timeoutMs) {
      const now = await this.read();
      if (now && now.every((v, i) => v > (baseline[i] ?? 0))) return Date.now() - since;
      await sleep(200);
    }
    return undefined;
  }

  close(): void {
    this.redis.disconnect();
  }
}

async function answers(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(1000) }).then(
    (r) => r.ok,
    () => false,
  );
}

/** Where a fault is injected and what counts as recovered; `rnd` is the run's seeded generator. */
export async function injectFault(
  kind: FaultKind,
  stack: ChaosStack,
  probe: CommitProbe,
  rnd: () => number,
  logger: Logger,
  recoveryTimeoutMs: number,
): Promise<Omit<FaultRecord, 'at'>> {
  // The baseline of "committing again": the counters just before the fault.
  let baseline = await probe.read();
  for (let i = 0; baseline === undefined && i < 50; i++) {
    await sleep(200);
    baseline = await probe.read();
  }
  const base = baseline ?? [];
  const t0 = Date.now();
  let target: string = kind.split('-')[0]!;
  let background: Promise<void> = Promise.resolve();
  switch (kind) {
    case 'worker-kill': {
      const names = stack.workerNames;
      target = names[Math.floor(rnd() * names.length)]!;
      await stack.signal(target, 'SIGKILL');
      // Restarted a little later, as a supervisor's backoff would: the failover measured is
      // the other worker taking over, not the restart.
      const name = target;
      background = sleep(5000).then(() => stack.startProcess(name));
      break;
    }
    case 'redis-kill':
      await stack.signal('redis', 'SIGKILL');
      await stack.startProcess('redis');
      break;
    case 'temporal-kill':
      await stack.signal('temporal', 'SIGKILL');
      await stack.startProcess('temporal');
      break;
    case 'api-kill': {
      await stack.signal('api', 'SIGKILL');
      await stack.startProcess('api');
      break;
    }
    case 'redis-pause': {
      const pauseMs = 2000 + Math.floor(rnd() * 3000);
      target = `redis (${pauseMs} ms)`;
      await stack.signal('redis', 'SIGSTOP');
      await sleep(pauseMs);
      await stack.signal('redis', 'SIGCONT');
      break;
    }
  }
  logger.info({ kind, target }, 'fault injected');
  let recoveryMs: number | undefined;
  if (kind === 'api-kill') {
    // The API is not on the pipeline's path: recovered when it answers again.
    while (Date.now() - t0 < recoveryTimeoutMs && !(await answers(`${stack.apiUrl}/readyz`))) {
      await sleep(100);
    }
    recoveryMs = Date.now() - t0 < recoveryTimeoutMs ? Date.now() - t0 : undefined;
  } else {
    recoveryMs = await probe.committedAgain(base, t0, recoveryTimeoutMs);
  }
  await background;
  logger.info({ kind, target, recoveryMs }, 'fault recovered');
  return { kind, target, recoveryMs };
}

/** Median and max of a list of ms figures (undefined when empty). */
export function summary(values: readonly number[]): { median: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
  return { median, max: s[s.length - 1]! };
}
