import { runCli, UsageError } from '../lib/cli';
import pino from 'pino';
import { runChaos } from './chaos/run';

const USAGE = `usage: npm run chaos -- [--seconds N] [--seed N] [--rate N] [--workers N] [--partitions N] [--keep]
Starts a stack of its own on free ports (Redis with AOF, the Temporal dev server, worker
processes, the API, the simulator), runs it under load for N seconds (default 180) while it
SIGKILLs a worker, Redis, the Temporal dev server and the API and pauses Redis (SIGSTOP/SIGCONT)
at seeded-random moments, then stops the feed, lets the pipeline drain and checks the
invariants. Prints one JSON line on stdout; progress as JSON log lines on stderr.
  --seconds N      length of the load and fault phase (default 180)
  --seed N         seed of the fault schedule (default: from the clock; printed)
  --rate N         simulator events per second (default 2000)
  --workers N      worker processes (default 2)
  --partitions N   pipeline partitions (default 2)
  --keep           keep the run's folder (AOF, SQLite, logs) even when it passed
Exit codes: 0 every invariant held, 1 one failed (or the run failed), 2 usage error.`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name}: a positive integer, not ${value}`);
  return n;
}

runCli({
  name: 'chaos',
  usage: USAGE,
  options: {
    seconds: { type: 'string' },
    seed: { type: 'string' },
    rate: { type: 'string' },
    workers: { type: 'string' },
    partitions: { type: 'string' },
    keep: { type: 'boolean' },
  },
  async run({ values }) {
    const seconds = positiveInt('seconds', values.seconds, 180);
    const seed = positiveInt('seed', values.seed, Date.now() % 1_000_000_000);
    // Progress to stderr: stdout carries the one JSON line.
    const logger = pino({ name: 'chaos', level: 'info' }, pino.destination(2));
    const report = await runChaos({
      seconds,
      seed,
      eventsPerSecond: positiveInt('rate', values.rate, 2000),
      workers: positiveInt('workers', values.workers, 2),
      partitions: positiveInt('partitions', values.partitions, 2),
      logger,
      keep: values.keep === true,
    });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    if (report.ok !== true) throw new Error('an invariant failed (see the JSON line)');
  },
});
