import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
} from '@temporalio/worker';
import { benchFreshness } from './freshness';
import { startBenchStack } from './stack';
import { answerHelp } from '../lib/cli';

/**
 * `npx tsx bench/freshness-main.ts`: one run of {@link benchFreshness} on a stack of its own.
 * BENCH_FRESHNESS_RATE (default 20000 events/s) and BENCH_FRESHNESS_SECONDS (default 10).
 * Prints one JSON line.
 */
const RATE = Number(process.env.BENCH_FRESHNESS_RATE ?? 20_000);
const SECONDS = Number(process.env.BENCH_FRESHNESS_SECONDS ?? 10);

async function main(): Promise<void> {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
  process.stderr.write(`bench: freshness at ${RATE} events/s for ${SECONDS} s\n`);
  const stack = await startBenchStack();
  try {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const r = await benchFreshness(stack, bundle, { eventsPerSecond: RATE, seconds: SECONDS });
    process.stdout.write(
      `${JSON.stringify({
        bench: 'freshness',
        targetEventsPerSecond: RATE,
        seconds: SECONDS,
        ...r,
        achievedEventsPerSecond: Math.round(r.achievedEventsPerSecond),
      })}\n`,
    );
  } finally {
    await stack.stop();
  }
}

answerHelp(
  'bench:freshness',
  `usage: npx tsx bench/freshness-main.ts
  end-to-end freshness alone (docs/benchmarks.md)`,
);
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
