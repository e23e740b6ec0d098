import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import {
  BacktestRequestError,
  startBacktest,
  startWorkflow,
  workflowHandle,
  type BacktestRequest,
} from '../../clients';
import {
  archiveDayWorkflow,
  backtestAnomaliesWorkflow,
  backtestProgressQuery,
  FAILURE,
  type BacktestReport,
} from '../../contract';
import { DAY_MS, dayOf } from '../../lib/archive';
import type { Config } from '../../lib/config';
import { seedJumpDay } from '../support/backtest-data';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { startTestWorker } from '../support/temporal';

const d = (n: number) => dayOf(Date.now() - n * DAY_MS);

/** Every file under `dir`, by path relative to it, with its bytes. */
function filesUnder(dir: string, prefix = ''): [string, string][] {
  return readdirSync(dir)
    .sort()
    .flatMap((name): [string, string][] => {
      const path = join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      return statSync(path).isDirectory()
        ? filesUnder(path, rel)
        : [[rel, readFileSync(path, 'latin1')]];
    });
}

describe('backtestAnomalies workflow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-line-backtest-wf-'));
  let config: Config;
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  // Day A: AAPL +3 % (only under the candidate's 2.5 %), JPM +7 % (both: LULD 5 %).
  // Day B: BTC-USD +12 % (both: Crypto 10 % and 5 %), +6 % (only under the candidate's 5 %).
  const dayA = d(41);
  const dayB = d(40);
  const jumpIds = new Map<string, string>();
  const tsOf = new Map<string, number>();
  const candidateSet = [
    'ANOMALY_JUMP_PCT=2.5',
    'ANOMALY_SECTOR_OVERRIDES={"Crypto":{"jumpPct":5,"zThreshold":5}}',
  ];
  let request: BacktestRequest;

  beforeAll(async () => {
    config = testConfig({ ARCHIVE_DIR: dir, ARCHIVE_CHECKPOINT_EVENTS: '1000' });
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    for (const [day, jumps] of [
      [
        dayA,
        [
          { ticker: 'AAPL', index: 51, pct: 3 },
          { ticker: 'JPM', index: 81, pct: 7 },
        ],
      ],
      [
        dayB,
        [
          { ticker: 'BTC-USD', index: 61, pct: 12 },
          { ticker: 'BTC-USD', index: 121, pct: 6 },
        ],
      ],
    ] as const) {
      const seeded = await seedJumpDay(fx.redis, fx.keys, day, 200, jumps);
      for (const [k, id] of seeded.jumpIds) {
        jumpIds.set(k, id);
        tsOf.set(k, seeded.ticks.find((t) => t.id === id && t.ticker === k.split(':')[0])!.ts);
      }
    }
    worker = await startTestWorker(config, temporal);
    for (const day of [dayA, dayB]) {
      const h = await startWorkflow(temporal.client, archiveDayWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: uniqueId('archive'),
        args: [{ day }],
      });
      expect((await h.result()).outcome).toBe('archived');
    }
    request = {
      from: dayA,
      to: dayB,
      set: candidateSet,
      labels: [
        {
          ticker: 'AAPL',
          type: 'price_jump',
          from: tsOf.get('AAPL:51')! - 1000,
          to: tsOf.get('AAPL:51')!,
        },
        {
          ticker: 'JPM',
          type: 'price_jump',
          from: tsOf.get('JPM:81')! - 1000,
          to: tsOf.get('JPM:81')!,
        },
      ],
    };
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(r: BacktestRequest): Promise<{ id: string; report: BacktestReport }> {
    const started = await startBacktest(temporal.client, config, r);
    const h = workflowHandle(temporal.client, backtestAnomaliesWorkflow, started.workflowId);
    return { id: started.workflowId, report: await h.result() };
  }

  it('flags what each side flags, and reports exactly the jumps only the candidate catches', async () => {
    const { id, report } = await run(request);
    expect(report.days).toBe(2);
    expect(report.ticksRead).toBe(2 * 3 * 200);
    expect(report.onlyProduction).toBe(0);
    expect(report.onlyCandidate).toBe(2);
    expect(
      report.differences.map((x) => [
        x.only,
        x.anomaly.type,
        x.anomaly.ticker,
        x.anomaly.sector,
        x.anomaly.severity,
        x.anomaly.threshold,
        x.anomaly.sourceIds[1],
      ]),
    ).toEqual([
      ['candidate', 'price_jump', 'AAPL', 'Technology', 'low', 2.5, jumpIds.get('AAPL:51')],
      ['candidate', 'price_jump', 'BTC-USD', 'Crypto', 'low', 5, jumpIds.get('BTC-USD:121')],
    ]);
    expect(report.differences[0]!.anomaly.statistic).toBeCloseTo(3.103, 3);
    // The z-score thresholds are the same on both sides: every jump is a return z-score on both.
    expect(report.production.byType).toEqual({ price_jump: 2, return_zscore: 4 });
    expect(report.candidate.byType).toEqual({ price_jump: 4, return_zscore: 4 });
    expect(report.both).toBe(6);
    expect(report.candidate.bySector).toEqual({ Crypto: 4, Financials: 2, Technology: 2 });
    expect(report.candidate.byInstrument).toEqual({
      'AAPL@sim': 2,
      'BTC-USD@sim': 4,
      'JPM@sim': 2,
    });
    expect(report.labels).toEqual({
      total: 2,
      production: { precision: 0.166667, recall: 0.5, explained: 1, caught: 1 },
      candidate: { precision: 0.25, recall: 1, explained: 2, caught: 2 },
    });
    expect(report.perDay.map((p) => [p.day, p.production, p.candidate, p.onlyCandidate])).toEqual([
      [dayA, 3, 4, 1],
      [dayB, 3, 4, 1],
    ]);
    // The candidate's anomalies are in its own output under the archive root.
    const out = join(dir, 'backtests', id, `date=${dayA}`, 'candidate.ndjson');
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type).sort()).toEqual([
      'price_jump',
      'price_jump',
      'return_zscore',
      'return_zscore',
    ]);
    const progress = await workflowHandle(temporal.client, backtestAnomaliesWorkflow, id).query(
      backtestProgressQuery,
    );
    expect(progress).toEqual({
      days: 2,
      daysDone: 2,
      ticksRead: 1200,
      production: 6,
      candidate: 8,
      done: true,
    });
  });

  it('gives byte-identical output when run again from scratch, and the stored report after', async () => {
    const first = await run(request);
    const runDir = join(dir, 'backtests', first.id);
    const files = filesUnder(runDir);
    expect(files.map(([f]) => f)).toEqual([
      `date=${dayA}/candidate.ndjson`,
      `date=${dayA}/production.ndjson`,
      `date=${dayA}/report.json`,
      `date=${dayB}/candidate.ndjson`,
      `date=${dayB}/production.ndjson`,
      `date=${dayB}/report.json`,
      'report.json',
    ]);
    rmSync(runDir, { recursive: true });
    const second = await run(request);
    expect(second.id).toBe(first.id);
    expect(filesUnder(runDir)).toEqual(files);
    expect(JSON.stringify(second.report)).toBe(JSON.stringify(first.report));

    // Once more: the stored report, no day replayed.
    const third = await startBacktest(temporal.client, config, request);
    const h = temporal.client.workflow.getHandle(third.workflowId, third.runId);
    expect(JSON.stringify(await h.result())).toBe(JSON.stringify(first.report));
    const history = await h.fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
    expect(scheduled).toEqual(['readBacktestReport']);
  });

  it('refuses bad settings before starting, and fails on a day that is not archived', async () => {
    await expect(
      startBacktest(temporal.client, config, { ...request, set: ['ANOMALY_Z_THRESHOLD=0'] }),
    ).rejects.toThrow(BacktestRequestError);
    await expect(
      startBacktest(temporal.client, config, { ...request, set: ['PIPELINE_BATCH_SIZE=1'] }),
    ).rejects.toThrow(/not an anomaly setting/);
    const err: unknown = await run({ from: d(43), to: d(43) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ActivityFailure);
    expect((cause as ActivityFailure).cause).toBeInstanceOf(ApplicationFailure);
    expect(((cause as ActivityFailure).cause as ApplicationFailure).type).toBe(FAILURE.notArchived);
  });
});
