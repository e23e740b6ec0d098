import { simulatorAdapter, type NormalizeContext } from '../lib/domain/adapters';
import { simulatorPayloads } from './events';
import { median } from './stats';

/**
 * CPU µs per event of the simulator adapter's `normalize` (JSON parse, schema, tick), measured
 * with process.cpuUsage over BENCH_NORMALIZE_N calls (500,000), median of 3 runs after a
 * warm-up. No servers needed. `npx tsx bench/normalize-cost.ts`
 */
const N = Number(process.env.BENCH_NORMALIZE_N ?? 500_000);
const RUNS = 3;

const payloads = [...simulatorPayloads(10_000)];
const ctx: NormalizeContext = {
  feed: 'bench',
  sectors: new Map([['AAPL', 'Technology']]),
  recvTs: 1_700_000_000_000,
};

/** CPU µs per call over n calls; fails loudly if a payload is rejected. */
function run(n: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const out = simulatorAdapter.normalize(payloads[i % payloads.length]!, ctx);
    if (!out.ok) throw new Error(out.reason);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

run(Math.min(N, 100_000)); // warm-up: let the JIT settle
const samples = Array.from({ length: RUNS }, () => run(N));
console.log(
  `simulator normalize: ${median(samples).toFixed(3)} µs/event (median of ${RUNS} × ${N}; ` +
    `runs ${samples.map((s) => s.toFixed(3)).join(', ')})`,
);
