import { performance } from 'node:perf_hooks';
import {
  parseAnomalySettings,
  anomalySettingsText,
  loadConfig,
  withAssignments,
} from '../lib/config';
import { answerHelp } from '../lib/cli';
import { BACKTEST_DEFAULTS } from '../contract';
import { createReplay, type StoredTick } from '../lib/domain';

/**
 * `npm run bench:backtest` (BACKTEST_BENCH_TICKS=N for another size): ticks per second through a backtest's replay — both
 * sides (the default settings and a candidate with ANOMALY_JUMP_PCT=2.5) in one pass, as the
 * day activity runs them — over N generated ticks (default 2,000,000: 200 tickers of 3
 * sectors in 4 partitions, 70 % trades, random walks with rare jumps). The ticks are built
 * before the clock starts: this is the detectors' ceiling, without the archive read.
 */
answerHelp(
  'bench:backtest',
  `usage: npm run bench:backtest
  ticks/s through both sides of a backtest's replay over BACKTEST_BENCH_TICKS generated ticks
  (default 2000000)`,
);

const N = Number(process.env.BACKTEST_BENCH_TICKS ?? 2_000_000);
const PARTITIONS = 4;
const T0 = Date.parse('2025-06-02T00:00:00Z');

function generate(n: number): StoredTick[][] {
  let x = 12345;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const prices = Array.from({ length: 200 }, (_, i) => 20 + i);
  const byPartition: StoredTick[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let i = 0; i < n; i++) {
    const k = i % 200;
    const move = rnd() < 0.001 ? 0.08 : 0.002;
    prices[k] = Math.max(0.01, prices[k]! * (1 + (rnd() - 0.5) * 2 * move));
    const price = prices[k].toFixed(4);
    const trade = rnd() < 0.7;
    const ms = T0 + Math.floor(i / 20);
    byPartition[k % PARTITIONS]!.push({
      id: `${ms}-${i % 20}`,
      rawId: `${ms}-0`,
      ticker: `T${k}`,
      kind: trade ? 'trade' : 'quote',
      price,
      ...(trade
        ? { size: String(1 + Math.floor(rnd() * 500)) }
        : { bid: (prices[k] * 0.999).toFixed(4), ask: (prices[k] * 1.001).toFixed(4) }),
      ts: ms,
      sector: ['Technology', 'Financials', 'Crypto'][k % 3]!,
      source: 'bench',
      feed: 'bench',
      seq: String(i),
    });
  }
  return byPartition;
}

function main(): void {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn' });
  const text = anomalySettingsText(config.anomaly);
  const production = parseAnomalySettings(text);
  const candidate = parseAnomalySettings(withAssignments(text, ['ANOMALY_JUMP_PCT=2.5']));
  const partitions = generate(N);
  let found = 0;
  const start = performance.now();
  for (const [p, ticks] of partitions.entries()) {
    const sink = () => found++;
    const a = createReplay(production, p, BACKTEST_DEFAULTS.batchSize, sink);
    const b = createReplay(candidate, p, BACKTEST_DEFAULTS.batchSize, sink);
    for (const t of ticks) {
      a.add(t);
      b.add(t);
    }
    a.end();
    b.end();
  }
  const seconds = (performance.now() - start) / 1000;
  const rssMb = Math.round(process.memoryUsage().rss / 1e6);
  process.stdout.write(
    `${JSON.stringify({ ticks: N, seconds: Number(seconds.toFixed(3)), ticksPerSecond: Math.round(N / seconds), anomalies: found, rssMb })}\n`,
  );
}

main();
