import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
} from '@temporalio/worker';
import { benchApi } from './api';
import { benchFreshness } from './freshness';
import { benchIngest } from './ingest';
import { redisXaddRate } from './redis-baseline';
import { startBenchStack } from './stack';
import { benchStage } from './stages';
import { median } from './stats';
import { benchInterceptorModules, benchTracing } from './tracing';
import { answerHelp } from '../lib/cli';

/**
 * `npm run bench`: throughput of ingest, normalize and anomaly detection on a local stack of
 * its own, beside the Redis XADD ceiling and a plain (no Temporal) loop measured in the same
 * run. Medians of BENCH_RUNS runs (default 3) over BENCH_EVENTS events (default 200,000).
 * Prints a table, then one JSON line.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const INGEST_SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 5);
const FRESHNESS_RATE = Number(process.env.BENCH_FRESHNESS_RATE ?? 20_000);
const FRESHNESS_SECONDS = Number(process.env.BENCH_FRESHNESS_SECONDS ?? 10);
const API_BENCH = process.env.BENCH_API !== '0';
const API_RATE = Number(process.env.BENCH_API_RATE ?? 5000);
const API_SECONDS = Number(process.env.BENCH_API_SECONDS ?? 8);
/** Partition counts the pipeline figures are measured at (one Redis either way). */
const PARTITIONS = (process.env.BENCH_PARTITIONS ?? '1,4').split(',').map(Number);

async function repeat(label: string, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    out.push(await fn());
    process.stderr.write(
      `  ${label} run ${i + 1}/${RUNS}: ${Math.round(out[i]!).toLocaleString('en-US')}/s\n`,
    );
  }
  return out;
}

async function main(): Promise<void> {
  // Workers are started and stopped many times; their INFO lines would bury the results.
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
  process.stderr.write(
    `bench: starting a Redis and a Temporal dev server (runs=${RUNS}, events=${EVENTS})\n`,
  );
  const stack = await startBenchStack();
  try {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      // With OTEL_* set, the workers are traced (see docs/benchmarks.md: the cost of tracing).
      ...benchInterceptorModules(),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    process.stderr.write(`bench: tracing ${benchTracing().enabled ? 'on' : 'off'}
`);
    const r: Record<string, number[]> = {};
    r.redisXaddP1 = await repeat('redis-benchmark XADD -P 1', () =>
      redisXaddRate(stack.redisPort, 1, 100_000),
    );
    r.redisXaddP64 = await repeat('redis-benchmark XADD -P 64', () =>
      redisXaddRate(stack.redisPort, 64, 1_000_000),
    );
    for (const p of PARTITIONS) {
      r[`ingest:P${p}`] = await repeat(`ingest P=${p} (Temporal)`, () =>
        benchIngest(stack, bundle, INGEST_SECONDS, p),
      );
      for (const stage of ['normalize', 'anomaly'] as const) {
        r[`${stage}Plain:P${p}`] = await repeat(`${stage} P=${p} (plain loop)`, () =>
          benchStage(stack, bundle, stage, 'plain', EVENTS, p),
        );
        r[`${stage}:P${p}`] = await repeat(`${stage} P=${p} (Temporal)`, () =>
          benchStage(stack, bundle, stage, 'temporal', EVENTS, p),
        );
      }
      const fresh: Awaited<ReturnType<typeof benchFreshness>>[] = [];
      for (let i = 0; i < RUNS; i++) {
        const f = await benchFreshness(stack, bundle, {
          eventsPerSecond: FRESHNESS_RATE,
          seconds: FRESHNESS_SECONDS,
          partitions: p,
        });
        fresh.push(f);
        process.stderr.write(
          `  freshness P=${p} run ${i + 1}/${RUNS}: p50 ${f.p50} ms, p99 ${f.p99} ms at ${Math.round(f.achievedEventsPerSecond)}/s\n`,
        );
      }
      r[`freshnessP50:P${p}`] = fresh.map((f) => f.p50);
      r[`freshnessP99:P${p}`] = fresh.map((f) => f.p99);
      r[`freshnessRate:P${p}`] = fresh.map((f) => f.achievedEventsPerSecond);
    }

    if (API_BENCH) {
      const api = await benchApi({
        redisPort: stack.redisPort,
        runs: RUNS,
        rate: API_RATE,
        seconds: API_SECONDS,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      for (const [name, t] of Object.entries(api.targets)) {
        r[`api:${name}:p99`] = t.fixed.map((x) => x.p99);
        r[`api:${name}:achieved`] = t.fixed.map((x) => x.rps);
        r[`api:${name}:max`] = t.max.map((x) => x.rps);
      }
    }

    const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(median(v))]));
    const rows: [string, number, string][] = [
      ['redis-benchmark XADD (-P 1, 50 clients)', m.redisXaddP1!, 'baseline'],
      ['redis-benchmark XADD (-P 64)', m.redisXaddP64!, 'baseline'],
    ];
    for (const p of PARTITIONS) {
      const at = (k: string) => m[`${k}:P${p}`]!;
      rows.push(
        [
          `P=${p} ingest: simulator process -> raw streams (Temporal)`,
          at('ingest'),
          `${(at('ingest') / m.redisXaddP64!).toFixed(2)} x XADD -P 64`,
        ],
        [`P=${p} normalize: plain loop, no Temporal`, at('normalizePlain'), 'baseline'],
        [
          `P=${p} normalize: Temporal batch activities`,
          at('normalize'),
          `${(at('normalize') / at('normalizePlain')).toFixed(2)} x plain`,
        ],
        [`P=${p} anomaly: plain loop, no Temporal`, at('anomalyPlain'), 'baseline'],
        [
          `P=${p} anomaly: Temporal batch activities`,
          at('anomaly'),
          `${(at('anomaly') / at('anomalyPlain')).toFixed(2)} x plain`,
        ],
        [
          `P=${p} freshness p50, feed ts -> latest-quote hash (ms)`,
          at('freshnessP50'),
          `at ${at('freshnessRate').toLocaleString('en-US')} events/s`,
        ],
        [`P=${p} freshness p99 (ms)`, at('freshnessP99'), ''],
      );
    }
    if (API_BENCH) {
      const plainMax = m['api:plain-node:max']!;
      for (const name of ['plain-node', 'api', 'api-key+rate-limit', 'api-no-cache']) {
        rows.push(
          [
            `quote(ticker) ${name}: p99 ms at ${API_RATE}/s`,
            m[`api:${name}:p99`]!,
            `achieved ${m[`api:${name}:achieved`]!.toLocaleString('en-US')}/s`,
          ],
          [
            `quote(ticker) ${name}: flat-out req/s`,
            m[`api:${name}:max`]!,
            `${(m[`api:${name}:max`]! / plainMax).toFixed(2)} x plain Node`,
          ],
        );
      }
    }
    const w = Math.max(...rows.map(([n]) => n.length));
    const lines = [
      `${'measure'.padEnd(w)}  ${'median'.padStart(18)}  ratio`,
      ...rows.map(
        ([n, v, ratio]) => `${n.padEnd(w)}  ${v.toLocaleString('en-US').padStart(18)}  ${ratio}`,
      ),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'fin-line', runs: RUNS, events: EVENTS, medians: m, samples: r })}\n`,
    );
  } finally {
    await benchTracing().shutdown();
    await stack.stop();
  }
}

answerHelp(
  'bench',
  `usage: npm run bench
  ingest, stage, freshness and API benchmarks on a stack of their own; settings BENCH_* (docs/benchmarks.md)`,
);
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
