import { RawWriter } from '../activities/feed/raw-writer';
import { simulatorAdapter } from '../lib/domain/adapters';
import type { Redis } from '../lib/redis';
import { simulatorPayloads } from './events';
import { median } from './stats';
import { benchTracing } from './tracing';

/**
 * CPU µs per event that tracing adds where it runs per event: the feed's frame handling
 * (RawWriter.addFrame: the frame span, for sampled frames the producer span and the
 * traceparent in the batch item). process.cpuUsage over BENCH_TRACING_N frames of 10 events
 * (50,000), median of 3 runs after a warm-up; Redis replies at once (what is measured is the
 * process's own work). Tracing on or off by the OTEL_* variables, as everywhere:
 * `npx tsx bench/tracing-cost.ts` and
 * `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_TRACES_SAMPLER=parentbased_traceidratio
 * OTEL_TRACES_SAMPLER_ARG=0.01 npx tsx bench/tracing-cost.ts` (with `bench/otlp-sink.ts` there).
 */
const N = Number(process.env.BENCH_TRACING_N ?? 50_000);
const RUNS = 3;
const PER_FRAME = 10;

const payloads = [...simulatorPayloads(PER_FRAME * 100)];
const frames = Array.from({ length: 100 }, (_, i) =>
  simulatorAdapter.parseFrame(`[${payloads.slice(i * PER_FRAME, (i + 1) * PER_FRAME).join(',')}]`),
);
const answered = {
  appendRaw: (_s: string, _m: number, _f: string, _a: string, batch: string) =>
    Promise.resolve((JSON.parse(batch) as unknown[]).length),
} as unknown as Redis;

async function run(n: number): Promise<number> {
  const writer = new RawWriter({
    redis: answered,
    streams: ['raw'],
    route: () => 0,
    feed: 'bench',
    adapter: 'simulator',
    maxLen: 1_000_000,
    flushCount: 500,
    flushMs: 20,
    maxInFlight: 1_000_000,
    onWritten: () => undefined,
    onSaturation: () => undefined,
  });
  let events = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    events += writer.addFrame(frames[i % frames.length]!, Date.now());
    if (i % 1000 === 999) await writer.drain();
  }
  await writer.drain();
  const used = process.cpuUsage(start);
  if (writer.error) throw writer.error;
  return (used.user + used.system) / events;
}

async function main(): Promise<void> {
  const tracing = benchTracing();
  await run(Math.min(N, 10_000)); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await run(N));
  await tracing.shutdown();
  console.log(
    `feed frame handling, tracing ${tracing.enabled ? 'on' : 'off'}: ${median(samples).toFixed(3)} µs/event ` +
      `(median of ${RUNS} × ${N} frames of ${PER_FRAME}; runs ${samples.map((s) => s.toFixed(3)).join(', ')})`,
  );
}

void main();
