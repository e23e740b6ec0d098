import { readFileSync } from 'node:fs';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { SingleBar } from 'cli-progress';
import type { Activities } from '../activities';
import {
  backtestInput,
  BacktestRequestError,
  startBacktest,
  workflowHandle,
  type BacktestRequest,
} from '../clients';
import {
  backtestAnomaliesWorkflow,
  backtestProgressQuery,
  type BacktestDayProgress,
  type BacktestReport,
  type KnownEvent,
} from '../contract';
import { ConfigError, loadConfig } from '../lib/config';
import type { SideCounts } from '../lib/domain';
import { progressAllowed, runCli, UsageError } from '../lib/cli';

const USAGE = `usage:
  npm run backtest -- --from DAY --to DAY [--set KEY=VALUE]... [--instrument TICKER]...
                      [--sector SECTOR]... [--labels FILE] [--json]

What-if detection: replays the archived days DAY..DAY (YYYY-MM-DD, both included) through
the production detectors under this deployment's ANOMALY_* settings and under those with the
--set changes, as a backtestAnomalies workflow, waits for it and prints the comparison.
The same command again returns the stored report (the run's id is a hash of its input).
  --set KEY=VALUE       change an ANOMALY_* setting for the candidate side (repeatable)
  --instrument TICKER   only this ticker, every feed (repeatable)
  --sector SECTOR       only ticks of this sector (repeatable)
  --labels FILE         known events for precision/recall: a JSON array of
                        {"ticker", "from", "to", "type"?, "feed"?} (times ISO-8601 or ms)
  --json                print the report as JSON
Progress goes to stderr (a bar on a terminal only); the report to stdout; the anomalies of
each side to <ARCHIVE_DIR>/backtests/<workflow id>/date=<day>/<side>.ndjson.
Exit codes: 0 done, 1 failed, 2 usage error.`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The activity whose heartbeats carry a day's progress. */
const DAY_ACTIVITY: keyof Activities = 'backtestArchivedDay';

function time(v: unknown): number {
  if (typeof v === 'number') return v;
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isSafeInteger(ms)) throw new UsageError(`--labels: bad time ${JSON.stringify(v)}`);
  return ms;
}

function readLabels(file: string): KnownEvent[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--labels: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new UsageError('--labels: expected a JSON array');
  return raw.map((l: Record<string, unknown>) => ({
    ticker: typeof l.ticker === 'string' ? l.ticker : '',
    ...(typeof l.feed === 'string' ? { feed: l.feed } : {}),
    ...(typeof l.type === 'string' ? { type: l.type as KnownEvent['type'] } : {}),
    from: time(l.from),
    to: time(l.to),
  }));
}

function table(title: string, p: Record<string, number>, c: Record<string, number>): string[] {
  const keys = [...new Set([...Object.keys(p), ...Object.keys(c)])].sort();
  if (keys.length === 0) return [];
  const w = Math.max(title.length, ...keys.map((k) => k.length));
  const row = (k: string, a: string, b: string, d: string) =>
    `  ${k.padEnd(w)}  ${a.padStart(10)}  ${b.padStart(10)}  ${d.padStart(7)}`.trimEnd();
  return [
    row(title, 'production', 'candidate', 'change'),
    ...keys.map((k) => {
      const a = p[k] ?? 0;
      const b = c[k] ?? 0;
      return row(k, String(a), String(b), b === a ? '' : `${b > a ? '+' : ''}${b - a}`);
    }),
    '',
  ];
}

/** The report as a person reads it. */
function formatReport(r: BacktestReport, workflowId: string): string {
  const p: SideCounts = r.production;
  const c: SideCounts = r.candidate;
  const lines = [
    `backtest ${workflowId}: ${r.from} .. ${r.to}, ${r.days} day(s), ${r.ticksRead} ticks read (${r.ticksReplayed} replayed)`,
    `anomalies: production ${p.total}, candidate ${c.total}; both ${r.both}, only production ${r.onlyProduction}, only candidate ${r.onlyCandidate}`,
    '',
    ...table('type', p.byType, c.byType),
    ...table('severity', p.bySeverity, c.bySeverity),
    ...table('sector', p.bySector, c.bySector),
  ];
  if (r.labels) {
    const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
    lines.push(`labels: ${r.labels.total}`);
    for (const side of ['production', 'candidate'] as const) {
      const s = r.labels[side];
      lines.push(
        `  ${side.padEnd(10)}  precision ${pct(s.precision)}  recall ${pct(s.recall)}  (${s.caught} caught, ${s.explained} anomalies explained)`,
      );
    }
    lines.push('');
  }
  if (r.differences.length > 0) {
    lines.push(`differences (first ${r.differences.length}):`);
    for (const { only, anomaly: a } of r.differences.slice(0, 20)) {
      lines.push(
        `  only ${only.padEnd(10)}  ${new Date(a.ts).toISOString()}  ${`${a.ticker}@${a.feed}`.padEnd(16)}  ${a.type.padEnd(13)}  ${a.severity.padEnd(8)}  ${a.statistic} vs ${a.threshold}`,
      );
    }
    if (r.onlyProduction + r.onlyCandidate > 20) {
      lines.push("  ... every anomaly: the run's <side>.ndjson files, or backtest(id) in GraphQL");
    }
  }
  return `${lines.join('\n')}\n`;
}

runCli({
  name: 'backtest',
  usage: USAGE,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    set: { type: 'string', multiple: true },
    instrument: { type: 'string', multiple: true },
    sector: { type: 'string', multiple: true },
    labels: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run({ values }) {
    if (values.from === undefined || values.to === undefined) {
      throw new UsageError('--from and --to are required');
    }
    const request: BacktestRequest = {
      from: values.from,
      to: values.to,
      ...(values.set ? { set: values.set } : {}),
      ...(values.instrument ? { instruments: values.instrument } : {}),
      ...(values.sector ? { sectors: values.sector } : {}),
      ...(values.labels !== undefined ? { labels: readLabels(values.labels) } : {}),
    };
    const config = loadConfig();
    try {
      backtestInput(config, request);
    } catch (err) {
      if (!(err instanceof BacktestRequestError)) throw err;
      const flag = { instruments: 'instrument', sectors: 'sector' }[err.field] ?? err.field;
      throw new UsageError(`--${flag}: ${err.message.slice(err.field.length + 2)}`);
    }
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      const started = await startBacktest(client, config, request);
      process.stderr.write(
        `${started.started ? 'started' : 'joined the running'} ${started.workflowId}\n`,
      );
      const handle = workflowHandle(client, backtestAnomaliesWorkflow, started.workflowId);
      const bar = progressAllowed()
        ? new SingleBar({
            format: 'backtest {bar} {value}/{total} days | {detail}',
            hideCursor: true,
          })
        : undefined;
      bar?.start(1, 0, { detail: '' });
      const result = handle.result();
      let done = false;
      void result.finally(() => (done = true)).catch(() => undefined);
      while (!done && bar) {
        const progress = await handle.query(backtestProgressQuery).catch(() => undefined);
        const d = await handle.describe().catch(() => undefined);
        const inFlight = (d?.raw.pendingActivities ?? [])
          .filter((a) => a.activityType?.name === DAY_ACTIVITY)
          .map((a) => a.heartbeatDetails?.payloads?.[0]?.data)
          .filter((x): x is Uint8Array => x != null)
          .map((x) => JSON.parse(Buffer.from(x).toString()) as BacktestDayProgress);
        if (progress) {
          const ticks = progress.ticksRead + inFlight.reduce((n, p) => n + p.ticksRead, 0);
          bar.setTotal(Math.max(progress.days, 1));
          bar.update(progress.daysDone, {
            detail: `${ticks} ticks, ${progress.production} vs ${progress.candidate} anomalies`,
          });
        }
        await Promise.race([result.catch(() => undefined), sleep(500)]);
      }
      const r = await result.finally(() => bar?.stop());
      process.stdout.write(
        values.json ? `${JSON.stringify(r)}\n` : formatReport(r, started.workflowId),
      );
    } finally {
      await connection.close();
    }
  },
  describeError(err) {
    if (err instanceof ConfigError) return err.message;
    const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    const inner = cause?.cause instanceof Error ? `: ${cause.cause.message}` : '';
    return `${err instanceof Error ? err.message : String(err)}${cause ? `: ${cause.message}${inner}` : ''}`;
  },
});
