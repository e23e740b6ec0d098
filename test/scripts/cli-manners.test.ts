import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Env } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';
import { testEnv } from '../support/stack';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A TypeScript entry point as npm runs it: its own process, exit code and output. */
function run(entry: string, args: string[], env: Env = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, entry), ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Every command a user runs (npm scripts and the tools the docs name). */
const CLIS = [
  'scripts/start.ts',
  'scripts/start-cluster.ts',
  'scripts/archive.ts',
  'scripts/redrive.ts',
  'scripts/backtest.ts',
  'scripts/api-keys.ts',
  'scripts/schedules.ts',
  'scripts/record-histories.ts',
  'scripts/config-docs.ts',
  'scripts/build-console.ts',
  'scripts/check-import-cycles.ts',
  'scripts/chaos.ts',
  'api/main.ts',
  'workers/main.ts',
  'simulator/main.ts',
  'bench/main.ts',
  'bench/api-main.ts',
  'bench/archive.ts',
  'bench/backtest.ts',
  'bench/freshness-main.ts',
  'bench/scale.ts',
];

describe('command-line manners', () => {
  it.each(CLIS)('%s --help prints the usage on stdout and exits 0', async (entry) => {
    const r = await run(entry, ['--help']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^usage:/);
  });

  it.each(CLIS.filter((c) => c !== 'bench/archive.ts'))(
    '%s refuses an unknown option with the usage and exit code 2',
    async (entry) => {
      const r = await run(entry, ['--no-such-option']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/no-such-option[\s\S]*usage:/);
    },
  );

  it('archive: a bad day is a usage error (exit 2), named, with the usage', async () => {
    const r = await run('scripts/archive.ts', ['archive', '--day', '2026-13-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--day: bad day "2026-13-01"[\s\S]*usage:/);
  });

  it("api-keys create --json prints the new key's id and secret on stdout, nothing else", async () => {
    const env = testEnv();
    const r = await run(
      'scripts/api-keys.ts',
      ['create', '--name', 'ci', '--role', 'viewer', '--json'],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const created = JSON.parse(r.stdout) as { id: string; key: string; role: string; name: string };
    expect(created).toMatchObject({ name: 'ci', role: 'viewer' });
    expect(created.key).toMatch(new RegExp(`^fl_${created.id}_`));
    const revoked = await run('scripts/api-keys.ts', ['revoke', created.id, '--json'], env);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({
      id: created.id,
      revokedAt: expect.any(String),
    });
  });

  it('build:console --json reports where it wrote, machine-readable', async () => {
    const r = await run('scripts/build-console.ts', ['--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outDir: join(PROJECT_ROOT, 'web', 'dist') });
  });
});
