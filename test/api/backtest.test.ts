import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { startWorkflow } from '../../clients';
import { archiveDayWorkflow } from '../../contract';
import { DAY_MS, dayOf } from '../../lib/archive';
import { seedJumpDay } from '../support/backtest-data';
import { startTestApi, type GqlBody, type TestApi } from '../support/api';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

const SECRET = 'backtest-test-secret-long-enough-0123456789';
const token = async (role: string) =>
  `Bearer ${await new SignJWT({ sub: `user-${role}`, role })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET))}`;
const code = (b: GqlBody): unknown => b.errors?.[0]?.extensions?.code;

const START = `mutation ($from: String!, $to: String!, $set: [SettingInput!]) {
  startBacktest(from: $from, to: $to, set: $set) { workflowId runId started }
}`;
const READ = `query ($id: ID!) {
  backtest(id: $id) {
    workflowStatus
    progress { days daysDone done }
    report {
      onlyProduction onlyCandidate
      production { total byType { key count } }
      candidate { total byType { key count } }
      differences { only anomaly { ticker type severity threshold ts sourceIds } }
    }
  }
}`;

/** startBacktest (operator, audited) and backtest(id) over a real worker and archive. */
describe('GraphQL backtests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-line-backtest-api-'));
  const config = testConfig({
    API_AUTH_MODE: 'required',
    API_JWT_SECRET: SECRET,
    API_RATE_LIMIT_PER_SECOND: '0',
    ARCHIVE_DIR: dir,
  });
  const day = dayOf(Date.now() - 50 * DAY_MS);
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let api: TestApi;
  let jumpId = '';

  beforeAll(async () => {
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    const seeded = await seedJumpDay(fx.redis, fx.keys, day, 100, [
      { ticker: 'AAPL', index: 41, pct: 3 },
    ]);
    jumpId = seeded.jumpIds.get('AAPL:41')!;
    worker = await startTestWorker(config, temporal);
    const h = await startWorkflow(temporal.client, archiveDayWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: uniqueId('archive'),
      args: [{ day }],
    });
    await h.result();
    api = await startTestApi(config, {}, { realAuth: true });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await temporal?.close();
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a backtest for an operator only, audits it, and shows its progress and report', async () => {
    const vars = { from: day, to: day, set: [{ key: 'ANOMALY_JUMP_PCT', value: '2.5' }] };
    const viewer = await api.gql(START, vars, { authorization: await token('viewer') });
    expect(code(viewer.body)).toBe('FORBIDDEN');
    const bad = await api.gql(
      START,
      { ...vars, set: [{ key: 'ANOMALY_WINDOW', value: '2' }] },
      { authorization: await token('operator') },
    );
    expect(code(bad.body)).toBe('BAD_USER_INPUT');
    expect(bad.body.errors?.[0]?.extensions?.argumentName).toBe('set');
    expect(bad.body.errors?.[0]?.message).toContain('ANOMALY_WINDOW');

    const ok = await api.gql(START, vars, { authorization: await token('operator') });
    expect(ok.body.errors).toBeUndefined();
    const ref = ok.body.data?.startBacktest as { workflowId: string; started: boolean };
    expect(ref.workflowId).toMatch(/^backtest-[0-9a-f]{20}$/);

    const viewerAuth = { authorization: await token('viewer') };
    const read = async () =>
      (await api.gql(READ, { id: ref.workflowId }, viewerAuth)).body.data?.backtest as {
        workflowStatus: string;
        progress: { days: number; daysDone: number; done: boolean } | null;
        report: {
          onlyProduction: number;
          onlyCandidate: number;
          production: { total: number; byType: { key: string; count: number }[] };
          candidate: { total: number; byType: { key: string; count: number }[] };
          differences: {
            only: string;
            anomaly: {
              ticker: string;
              type: string;
              threshold: number;
              ts: string;
              sourceIds: string[];
            };
          }[];
        } | null;
      };
    const done = await eventually(
      async () => {
        const b = await read();
        return b.workflowStatus === 'COMPLETED' ? b : undefined;
      },
      30_000,
      'the backtest to complete',
    );
    expect(done.progress).toEqual({ days: 1, daysDone: 1, done: true });
    expect(done.report).toMatchObject({
      onlyProduction: 0,
      onlyCandidate: 1,
      production: { total: 1, byType: [{ key: 'return_zscore', count: 1 }] },
      candidate: {
        total: 2,
        byType: [
          { key: 'price_jump', count: 1 },
          { key: 'return_zscore', count: 1 },
        ],
      },
    });
    expect(done.report!.differences).toHaveLength(1);
    expect(done.report!.differences[0]).toMatchObject({
      only: 'candidate',
      anomaly: { ticker: 'AAPL', type: 'price_jump', threshold: 2.5 },
    });
    expect(done.report!.differences[0]!.anomaly.sourceIds[1]).toBe(jumpId);
    expect(done.report!.differences[0]!.anomaly.ts).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);

    // The same request again: the same id.
    const again = await api.gql(START, vars, { authorization: await token('operator') });
    expect((again.body.data?.startBacktest as { workflowId: string }).workflowId).toBe(
      ref.workflowId,
    );
    expect(await api.gql(READ, { id: 'backtest-nope' }, viewerAuth)).toMatchObject({
      body: { data: { backtest: null } },
    });

    const { body } = await api.gql(
      '{ auditLog(first: 50) { action result code workflowId role } }',
      undefined,
      { authorization: await token('admin') },
    );
    const log = body.data?.auditLog as {
      action: string;
      result: string;
      code: string | null;
      workflowId: string | null;
      role: string;
    }[];
    const mine = log.filter((e) => e.action === 'startBacktest');
    expect(mine.map((e) => [e.result, e.code, e.role])).toEqual(
      expect.arrayContaining([
        ['ok', null, 'operator'],
        ['error', 'FORBIDDEN', 'viewer'],
        ['error', 'BAD_USER_INPUT', 'operator'],
      ]),
    );
    expect(mine.find((e) => e.result === 'ok')?.workflowId).toBe(ref.workflowId);
  });
});
