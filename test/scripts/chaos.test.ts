import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';

interface Recovery {
  readonly count: number;
  readonly unrecovered: number;
  readonly recoveryMs: { median: number; max: number } | null;
}

interface ChaosReport {
  readonly ok: boolean;
  readonly simulatorSent: number;
  readonly rawEvents: number;
  readonly notReceived: number;
  readonly normalizeIn: number;
  readonly normalized: number;
  readonly duplicate: number;
  readonly deadLetter: number;
  readonly failedBatches: number;
  readonly normalizedTwice: number;
  readonly unaccounted: number;
  readonly quotes: number;
  readonly quoteMismatches: readonly string[];
  readonly checks: Record<string, boolean>;
  readonly faults: Record<string, Recovery>;
  readonly failoverMs: { median: number; max: number } | null;
}

/**
 * A short `npm run chaos`: its own stack (Redis with AOF, Temporal on SQLite, two workers, the
 * API, the simulator at 2,000 events/s), 80 s of load with seed 11, whose first round of faults
 * is worker-kill, redis-kill, temporal-kill, api-kill, redis-pause; then the invariants.
 */
describe('npm run chaos (short run)', () => {
  it('rides out a SIGKILLed worker, Redis, Temporal and API and a stopped Redis with every invariant intact', async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          join(PROJECT_ROOT, 'scripts/chaos.ts'),
          '--seconds',
          '80',
          '--seed',
          '11',
        ],
        { cwd: PROJECT_ROOT, timeout: 540_000, maxBuffer: 64 * 1024 * 1024 },
        (err, out, errText) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
            stdout: out,
            stderr: errText,
          }),
      );
    });
    const lines = stdout.trim().split('\n');
    // No line: the run itself failed; its stderr says why.
    expect([lines.length, lines[0] ? '' : stderr.slice(-3000)]).toEqual([1, '']);
    const report = JSON.parse(lines[0]!) as ChaosReport;
    if (!report.ok) process.stderr.write(`${stderr.slice(-4000)}\n`);
    expect(report.checks).toEqual({
      drained: true,
      allFaultsRecovered: true,
      accounting: true,
      exactlyOnce: true,
      latestQuotesMatchReplay: true,
      noFailedBatches: true,
    });
    expect(report.ok).toBe(true);
    expect(code).toBe(0);

    // The figures behind the checks.
    expect(report.simulatorSent).toBeGreaterThan(20_000);
    // No event in the raw streams that the simulator did not send (re-sends aside).
    expect(report.notReceived).toBeGreaterThanOrEqual(0);
    expect(report.rawEvents - report.duplicate).toBeGreaterThan(report.simulatorSent / 2);
    expect(report.normalizeIn).toBe(report.rawEvents);
    expect(report.normalized + report.duplicate + report.deadLetter).toBe(report.normalizeIn);
    expect([report.failedBatches, report.normalizedTwice, report.unaccounted]).toEqual([0, 0, 0]);
    expect(report.quoteMismatches).toEqual([]);
    expect(report.quotes).toBeGreaterThan(10);

    // The first three faults of the seeded round happened and were recovered from.
    for (const kind of ['worker-kill', 'redis-kill', 'temporal-kill']) {
      expect([kind, report.faults[kind]?.count]).toEqual([kind, expect.any(Number)]);
      expect(report.faults[kind]!.count).toBeGreaterThanOrEqual(1);
      expect(report.faults[kind]!.unrecovered).toBe(0);
    }
    expect(report.failoverMs?.max).toEqual(expect.any(Number));
  }, 600_000);
});
