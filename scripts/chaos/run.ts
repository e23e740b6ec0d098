import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../lib/logger';
import { createRedis } from '../../lib/redis';
import { onShutdownSignals } from '../../lib/shutdown';
import { mulberry32 } from '../../simulator/prng';
import {
  CommitProbe,
  FAULT_KINDS,
  injectFault,
  summary,
  type FaultKind,
  type FaultRecord,
} from './faults';
import { checkAll, drained, partitionOk } from './invariants';
import { ChaosStack } from './stack';

/** How a chaos run is set up. */
export interface ChaosOptions {
  readonly seconds: number;
  readonly seed: number;
  readonly eventsPerSecond: number;
  readonly workers: number;
  readonly partitions: number;
  readonly logger: Logger;
  /** Keep the run's folder (AOF, SQLite, logs) even when it passed. */
  readonly keep?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WARMUP_MS = 10_000;
const RECOVERY_TIMEOUT_MS = 90_000;
const DRAIN_TIMEOUT_MS = 300_000;

/** The simulator's events sent so far (`finline_simulator_events_generated_total`, all kinds). */
async function simulatorSent(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('finline_simulator_events_generated_total')) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

/**
 * One chaos run: the stack under the simulator's load, faults of every kind at seeded-random
 * moments (one at a time: the next waits until the stack recovered from the last), then the
 * feed stopped, the pipeline drained and the invariants checked. Returns the report line.
 */
export async function runChaos(opts: ChaosOptions): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), `fin-line-chaos-${opts.seed}-`));
  const { logger } = opts;
  const rnd = mulberry32(opts.seed);
  const stack = await ChaosStack.create({ ...opts, dir });
  // Ctrl-C or SIGTERM: stop every process of the stack, and exit non-zero (no verdict).
  onShutdownSignals(() => stack.stop(), {
    logger,
    timeoutMs: 60_000,
    exit: (code) => process.exit(code === 0 ? 130 : code),
  });
  const faults: FaultRecord[] = [];
  let probe: CommitProbe | undefined;
  let started = Date.now();
  let passed = false;
  try {
    await stack.start();
    // The run's length counts from here: start-up is not load.
    started = Date.now();
    probe = new CommitProbe(stack.config);
    logger.info({ dir }, 'stack up; load running');
    await sleep(WARMUP_MS);
    const deadline = started + opts.seconds * 1000;
    let round: FaultKind[] = [];
    while (Date.now() < deadline) {
      // Every kind once per round, in a seeded order; seeded gaps of 2-6 s between faults.
      if (round.length === 0) round = [...FAULT_KINDS].sort(() => rnd() - 0.5);
      await sleep(2000 + Math.floor(rnd() * 4000));
      if (Date.now() >= deadline) break;
      const kind = round.shift()!;
      const at = Date.now() - started;
      faults.push({
        at,
        ...(await injectFault(kind, stack, probe, rnd, logger, RECOVERY_TIMEOUT_MS)),
      });
    }

    // The end: no more events, the pipeline drains, then the checks.
    await fetch(`${stack.simulatorUrl}/pause`, { method: 'POST' });
    const redis = createRedis(stack.config.redis);
    try {
      const drainStart = Date.now();
      let calm = 0;
      while (calm < 3 && Date.now() - drainStart < DRAIN_TIMEOUT_MS) {
        calm = (await drained(redis, stack.config)) ? calm + 1 : 0;
        await sleep(1000);
      }
      const drainMs = Date.now() - drainStart;
      const simulatorSentTotal = await simulatorSent(stack.simulatorUrl);
      const partitions = await checkAll(redis, stack.config);
      const total = (f: (p: (typeof partitions)[number]) => number) =>
        partitions.reduce((s, p) => s + f(p), 0);
      const raw = total((p) => p.raw);
      const duplicate = total((p) => p.duplicate);
      const byKind: Record<string, unknown> = {};
      for (const kind of FAULT_KINDS) {
        const of = faults.filter((f) => f.kind === kind);
        const ms = of.flatMap((f) => (f.recoveryMs === undefined ? [] : [f.recoveryMs]));
        byKind[kind] = {
          count: of.length,
          unrecovered: of.length - ms.length,
          recoveryMs: summary(ms) ?? null,
        };
      }
      const workerKills = faults.filter((f) => f.kind === 'worker-kill');
      const failover = summary(workerKills.flatMap((f) => f.recoveryMs ?? []));
      const allRecovered = faults.every((f) => f.recoveryMs !== undefined);
      const isDrained = calm >= 3;
      const checks = {
        drained: isDrained,
        allFaultsRecovered: allRecovered,
        accounting: partitions.every((p) => p.accountingOk),
        exactlyOnce: partitions.every(
          (p) => p.normalizedTwice === 0 && p.unaccounted === 0 && p.unknownRawIds === 0,
        ),
        latestQuotesMatchReplay: partitions.every((p) => p.quoteMismatches.length === 0),
        noFailedBatches: partitions.every((p) => p.failedBatches === 0),
      };
      const ok = isDrained && allRecovered && partitions.every(partitionOk);
      passed = ok;
      return {
        ok,
        seconds: opts.seconds,
        seed: opts.seed,
        eventsPerSecond: opts.eventsPerSecond,
        workers: opts.workers,
        simulatorSent: simulatorSentTotal,
        rawEvents: raw,
        // What the feed lost: sent while no feed connection took it (a worker killed with the
        // feed's socket, Redis down or stopped, backpressure), re-sends aside.
        notReceived: simulatorSentTotal - (raw - duplicate),
        normalizeIn: total((p) => p.normalizeIn),
        normalized: total((p) => p.normalized),
        duplicate,
        deadLetter: total((p) => p.deadLetter),
        failedBatches: total((p) => p.failedBatches),
        normalizedTwice: total((p) => p.normalizedTwice),
        unaccounted: total((p) => p.unaccounted),
        quotes: total((p) => p.quotes),
        quoteMismatches: partitions.flatMap((p) => p.quoteMismatches),
        checks,
        faults: byKind,
        failoverMs: failover ?? null,
        drainMs,
        partitions: partitions.map((p) => ({ ...p, quoteMismatches: p.quoteMismatches.length })),
        ...(ok && !opts.keep ? {} : { dir }),
      };
    } finally {
      await redis.quit().catch(() => undefined);
    }
  } finally {
    probe?.close();
    await stack.stop();
    // Kept for a look at the logs when something failed (the report names it).
    if (passed && !opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}
