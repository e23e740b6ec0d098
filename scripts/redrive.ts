import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { SingleBar } from 'cli-progress';
import type { Activities } from '../activities';
import { startRedrive, workflowHandle } from '../clients';
import {
  redriveDeadLettersWorkflow,
  redriveInputIssue,
  type RedriveProgress,
  type RedriveResult,
} from '../contract';
import { ConfigError, loadConfig } from '../lib/config';
import { progressAllowed, runCli, UsageError } from '../lib/cli';

const USAGE = `usage:
  npm run redrive -- [--feed NAME] [--reason TEXT] [--since TIME] [--until TIME]
                     [--partition N]... [--max N] [--dry-run] [--json]

Re-runs dead letters through the normalizer (after an adapter fix) as a redriveDeadLetters
workflow, waits for it and prints what became of them. Each letter is redriven at most once.
  --feed NAME      only letters of this feed
  --reason TEXT    only letters whose reason contains TEXT
  --since TIME     dead-lettered at or after TIME (ISO-8601 with a zone, or ms since epoch)
  --until TIME     dead-lettered at or before TIME
  --partition N    only partition N (repeat for several; default every partition)
  --max N          at most N letters per partition (default 10000)
  --dry-run        say what would happen, change nothing
  --json           print the workflow's result as JSON
Progress goes to stderr (a bar on a terminal only); the result to stdout.
Exit codes: 0 done, 1 failed, 2 usage error.`;

function timeArg(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : /(Z|[+-]\d\d:?\d\d)$/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isSafeInteger(ms))
    throw new UsageError(`--${name}: ${JSON.stringify(v)} is not ISO-8601 with a zone or ms`);
  return ms;
}

function intArg(name: string, v: string): number {
  if (!/^\d{1,9}$/.test(v)) throw new UsageError(`--${name}: ${JSON.stringify(v)} is not a number`);
  return Number(v);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The activity whose heartbeats carry each partition's progress. */
const PARTITION_ACTIVITY: keyof Activities = 'redriveDeadLetterPartition';

function report(r: RedriveResult): string {
  const lines = [
    `${r.dryRun ? 'dry run: ' : ''}${r.matched} letter(s) matched: ${r.normalized} normalized, ` +
      `${r.duplicate} duplicate, ${r.deadLettered} dead-lettered again, ` +
      `${r.alreadyRedriven} redriven before`,
  ];
  for (const p of r.partitions) {
    if (p.matched === 0) continue;
    lines.push(
      `  p${p.partition}: ${p.matched} matched${p.truncated ? ' (more left: --max reached)' : ''}`,
    );
    for (const o of p.outcomes.slice(0, 10)) {
      lines.push(`    ${o.letterId}  ${o.outcome}${o.detail ? `  ${o.detail}` : ''}`);
    }
    if (p.outcomes.length > 10 || p.matched > p.outcomes.length)
      lines.push(`    ... every outcome: deadLetters { redrive } in GraphQL`);
  }
  return `${lines.join('\n')}\n`;
}

runCli({
  name: 'redrive',
  usage: USAGE,
  options: {
    feed: { type: 'string' },
    reason: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    partition: { type: 'string', multiple: true },
    max: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  async run({ values }) {
    const since = timeArg('since', values.since);
    const until = timeArg('until', values.until);
    const config = loadConfig();
    const partitions = values.partition?.map((p) => intArg('partition', p));
    const request = {
      filter: {
        ...(values.feed !== undefined ? { feed: values.feed } : {}),
        ...(values.reason !== undefined ? { reasonContains: values.reason } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      },
      ...(partitions ? { partitions } : {}),
      ...(values.max !== undefined ? { maxLetters: intArg('max', values.max) } : {}),
      dryRun: values['dry-run'] === true,
    };
    const every = Array.from({ length: config.pipeline.partitions }, (_, p) => p);
    const issue = redriveInputIssue(
      { ...request, partitions: partitions ?? every },
      config.pipeline.partitions,
    );
    if (issue) {
      const flag = { reasonContains: 'reason', maxLetters: 'max', partitions: 'partition' }[
        issue.field
      ];
      throw new UsageError(`--${flag ?? issue.field}: ${issue.message}`);
    }
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      const started = await startRedrive(client, config, request);
      process.stderr.write(`started ${started.workflowId}\n`);
      const handle = workflowHandle(client, redriveDeadLettersWorkflow, started.workflowId);
      const bar = progressAllowed()
        ? new SingleBar({ format: 'redrive {value} letters | {detail}', hideCursor: true })
        : undefined;
      bar?.start(0, 0, { detail: '' });
      const result = handle.result();
      let done = false;
      void result.finally(() => (done = true)).catch(() => undefined);
      while (!done && bar) {
        const d = await handle.describe().catch(() => undefined);
        const ps = (d?.raw.pendingActivities ?? [])
          .filter((a) => a.activityType?.name === PARTITION_ACTIVITY)
          .map((a) => a.heartbeatDetails?.payloads?.[0]?.data)
          .filter((x): x is Uint8Array => x != null)
          .map((x) => JSON.parse(Buffer.from(x).toString()) as RedriveProgress);
        const n = ps.reduce((s, p) => s + p.matched, 0);
        bar.setTotal(Math.max(n, 1));
        bar.update(n, { detail: ps.map((p) => `p${p.partition} ${p.matched}`).join(' ') });
        await Promise.race([result.catch(() => undefined), sleep(500)]);
      }
      const r = await result.finally(() => bar?.stop());
      process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : report(r));
    } finally {
      await connection.close();
    }
  },
  describeError(err) {
    if (err instanceof ConfigError) return err.message;
    const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    return `${err instanceof Error ? err.message : String(err)}${cause ? `: ${cause.message}` : ''}`;
  },
});
