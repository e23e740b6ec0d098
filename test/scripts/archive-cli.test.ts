import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalTick,
  createArchiveSink,
  DAY_MS,
  dayOf,
  type ArchiveSink,
} from '../../lib/archive';
import { loadConfig, type Config, type Env } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';
import { loadSectors } from '../../lib/reference';
import { decodeTick } from '../../lib/redis';
import { ofPartition, seedDay, type SeededDay } from '../support/archive-data';
import {
  redisFixture,
  temporalFixture,
  testEnv,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { startTestWorker } from '../support/temporal';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run archive -- <args>` as a user runs it: its own process, exit code and output. */
function cli(env: Env, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/archive.ts'), ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The same under a pseudo-terminal (util-linux script(1)): stdout carries both streams. */
function onTerminal(env: Env, ...args: string[]): Promise<Run> {
  const command = [
    process.execPath,
    '--import',
    'tsx',
    join(PROJECT_ROOT, 'scripts/archive.ts'),
    ...args,
  ]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
    .join(' ');
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('archive CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-line-archive-cli-'));
  const env = testEnv({ ARCHIVE_DIR: dir, ARCHIVE_RETENTION_DAYS: '30', PIPELINE_PARTITIONS: '2' });
  const config: Config = loadConfig(env);
  const days = [dayOf(Date.now() - 3 * DAY_MS), dayOf(Date.now() - 2 * DAY_MS)];
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let sink: ArchiveSink;
  const seeded: SeededDay[] = [];

  beforeAll(async () => {
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    for (const [i, day] of days.entries())
      seeded.push(await seedDay(fx.redis, fx.keys, day, 400, i));
    sink = await createArchiveSink(config, loadSectors(config.sectorsFile));
    worker = await startTestWorker(config, temporal);
  });
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
    await temporal?.close();
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('archive --day runs the day workflow to the end and prints its outcome', async () => {
    const r = await cli(env, 'archive', '--day', days[0]!);
    expect(r.stderr).toContain(`archive-${days[0]}`);
    // Progress bars only on a terminal: through a pipe, the result alone.
    expect(r.stderr).not.toContain('100%');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      day: days[0],
      outcome: 'archived',
      sink: 'parquet',
      partitions: 2,
      ticks: 400,
      anomalies: 16,
      trimmed: { ticks: 0, anomalies: 0 }, // inside the 30-day retention window
    });
  });

  it('restore --day puts the day back partition by partition, once; --replace does it again', async () => {
    const r = await cli(env, 'restore', '--day', days[0]!);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('400/400 ticks'); // no progress bar off a terminal
    const counts = fx.keys.all.map((pk) => ofPartition(seeded[0]!.ticks, pk.partition).length);
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(JSON.parse(r.stdout)).toEqual({
      day: days[0],
      restored: 400,
      partitions: fx.keys.all.map((pk, i) => ({
        partition: pk.partition,
        stream: pk.restoredEvents(days[0]!),
        restored: counts[i],
      })),
    });
    for (const pk of fx.keys.all) {
      const back = (await fx.redis.xrange(pk.restoredEvents(days[0]!), '-', '+')) as [
        string,
        string[],
      ][];
      expect(
        back.map(([id, f]) => canonicalTick({ ...decodeTick(id, f), partition: pk.partition })),
      ).toEqual(ofPartition(seeded[0]!.ticks, pk.partition).map(canonicalTick));
    }
    const again = await cli(env, 'restore', '--day', days[0]!);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty.*--replace/);
    const replaced = await cli(env, 'restore', '--day', days[0]!, '--replace');
    expect(replaced.code).toBe(0);
    expect(await fx.redis.xlen(fx.keys.partition(1).restoredEvents(days[0]!))).toBe(counts[1]);
    // On a terminal (script(1) gives it one) the progress bar draws.
    const tty = await onTerminal(env, 'restore', '--day', days[0]!, '--replace');
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain('100% | 400/400 ticks');
  });

  it('restore --stream NAME writes NAME-p<N> per partition', async () => {
    const name = `${config.redis.keyPrefix}replay`;
    const r = await cli(env, 'restore', '--day', days[0]!, '--stream', name);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { partitions: { stream: string; restored: number }[] };
    expect(out.partitions.map((p) => p.stream)).toEqual([`${name}-p0`, `${name}-p1`]);
    for (const p of out.partitions) expect(await fx.redis.xlen(p.stream)).toBe(p.restored);
  });

  it('backfill --direct archives each day of the range', async () => {
    const r = await cli(env, 'backfill', '--from', days[0]!, '--to', days[1]!, '--direct');
    expect(r.code).toBe(0);
    expect(await sink.listDays()).toEqual(days);
    expect((await sink.readManifest(days[1]!))?.ticks.digest.count).toBe(400);
  });

  it('says what is wrong, with a non-zero exit code', async () => {
    const usage = await cli(env, 'archive');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/archive needs --day[\s\S]*usage:/);
    const bad = await cli(env, 'archive', '--day', '2026-13-01');
    expect(bad.code).toBe(2); // a bad day is a usage error
    expect(bad.stderr).toMatch(/bad day "2026-13-01"/);
    const missing = await cli(env, 'restore', '--day', '2020-01-01');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/2020-01-01 is not archived/);
    const future = await cli(env, 'backfill', '--from', days[0]!, '--to', dayOf(Date.now()));
    expect(future.code).toBe(2);
    expect(future.stderr).toMatch(/--to must be before today/);
  });
});
