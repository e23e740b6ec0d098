import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWorkflow } from '../../clients';
import { archiveDayWorkflow, type BacktestReport } from '../../contract';
import { DAY_MS, dayOf } from '../../lib/archive';
import { loadConfig, type Env } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';
import { seedJumpDay } from '../support/backtest-data';
import {
  redisFixture,
  temporalFixture,
  testEnv,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { startTestWorker } from '../support/temporal';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run backtest -- <args>` as a user runs it: its own process, exit code and output. */
function cli(env: Env, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/backtest.ts'), ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('npm run backtest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-line-backtest-cli-'));
  const env = testEnv({ ARCHIVE_DIR: dir });
  const config = loadConfig(env);
  const day = dayOf(Date.now() - 60 * DAY_MS);
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    await seedJumpDay(fx.redis, fx.keys, day, 200, [
      { ticker: 'AAPL', index: 51, pct: 3 },
      { ticker: 'JPM', index: 81, pct: 7 },
      { ticker: 'BTC-USD', index: 121, pct: 6 },
    ]);
    worker = await startTestWorker(config, temporal);
    const h = await startWorkflow(temporal.client, archiveDayWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: uniqueId('archive'),
      args: [{ day }],
    });
    await h.result();
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a readable report, and the same run as JSON', async () => {
    const set = [
      '--set',
      'ANOMALY_JUMP_PCT=2.5',
      '--set',
      'ANOMALY_SECTOR_OVERRIDES={"Crypto":{"jumpPct":5}}',
    ];
    const r = await cli(env, '--from', day, '--to', day, ...set);
    // Kept beside the test logs: the docs' sample report comes from here.
    writeFileSync(
      join(process.env.FIN_LINE_TEST_LOG_DIR ?? tmpdir(), 'backtest-cli.txt'),
      r.stdout,
    );
    expect(r).toMatchObject({ code: 0 });
    expect(r.stderr).toMatch(/^started backtest-[0-9a-f]{20}\n$/);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe(
      'anomalies: production 4, candidate 6; both 4, only production 0, only candidate 2',
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        '  type           production   candidate   change',
        '  price_jump              1           3       +2',
        '  return_zscore           3           3',
      ]),
    );
    expect(r.stdout).toContain('differences (first 2):');

    const json = await cli(env, '--from', day, '--to', day, ...set, '--json');
    expect(json).toMatchObject({ code: 0 });
    expect(json.stderr).toMatch(/^joined the running|^started/);
    const report = JSON.parse(json.stdout) as BacktestReport;
    expect(report.onlyCandidate).toBe(2);
    expect(report.candidate.byType).toEqual({ price_jump: 3, return_zscore: 3 });

    const bad = await cli(env, '--from', day, '--to', day, '--set', 'ANOMALY_WINDOW=x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ANOMALY_WINDOW');
  });
});
