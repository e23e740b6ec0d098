import { SignJWT } from 'jose';
import { ROLES, type Role } from '../../api/auth';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { encodeFailedBatch } from '../../lib/redis';
import { createSimulator } from '../../simulator';
import { startWorkflow } from '../../clients';
import { pipelineWorkflow, pipelineWorkflowId } from '../../contract';
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

const SECRET = 'operations-test-secret-long-enough-0123456789';
const sign = (claims: Record<string, unknown>, expiresIn = '5m') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(SECRET));
const code = (b: GqlBody): unknown => b.errors?.[0]?.extensions?.code;

/**
 * The API with authentication required, a real worker, a real simulator feed and a real
 * pipeline: every operation checked for every role, and the operator mutations driving real
 * workflows, each leaving an audit entry.
 */
describe('GraphQL operations, roles and audit on the real stack', () => {
  const config = testConfig({
    API_AUTH_MODE: 'required',
    API_JWT_SECRET: SECRET,
    API_RATE_LIMIT_PER_SECOND: '0',
    PIPELINE_WORKFLOW_ID: uniqueId('pipeline'),
    PIPELINE_PARTITIONS: '2',
    PIPELINE_BLOCK_MS: '100',
    SIMULATOR_EVENTS_PER_SECOND: '50',
    WORKER_SHUTDOWN_GRACE_MS: '2000',
  });
  const logger = createLogger({ level: config.logLevel, name: 'ops-test' });
  const sim = createSimulator({
    config: config.simulator,
    logger,
    registry: createRegistry('sim'),
  });
  let simUrl = '';
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let api: TestApi;
  const creds: Record<string, Record<string, string>> = {};
  let revokedKey = '';
  const feedName = uniqueId('feed');

  const as = (who: string, query: string, variables?: Record<string, unknown>) =>
    api.gql(query, variables, creds[who]);
  const startPipeline = (partition: number) =>
    startWorkflow(temporal.client, pipelineWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: pipelineWorkflowId(config.pipeline.workflowId, partition),
      args: [{ partition, normalizeSlots: 1 }],
    });

  beforeAll(async () => {
    simUrl = (await sim.start()).url;
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    worker = await startTestWorker(config, temporal);
    api = await startTestApi(config, {}, { realAuth: true });
    for (const role of ROLES) {
      creds[`jwt ${role}`] = {
        authorization: `Bearer ${await sign({ sub: `user-${role}`, role })}`,
      };
      const { key } = await api.app.services.auth.apiKeys.createApiKey({
        name: `key-${role}`,
        role,
      });
      creds[`api-key ${role}`] = { 'x-api-key': key };
    }
    const { key, info } = await api.app.services.auth.apiKeys.createApiKey({
      name: 'gone',
      role: 'admin',
    });
    await api.app.services.auth.apiKeys.revokeApiKey(info.id);
    revokedKey = key;
  });

  afterAll(async () => {
    const pipelines = [0, 1].map((p) => pipelineWorkflowId(config.pipeline.workflowId, p));
    for (const id of [`feed-${feedName}`, ...pipelines]) {
      await temporal?.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    }
    await worker?.stop();
    await api?.close();
    await sim.stop();
    await temporal?.close();
    await fx?.close();
  });

  // Every root field, with the least role it needs. Arguments are valid but harmless.
  const OPERATIONS: { name: string; query: string; needs: Role }[] = [
    { name: 'quote', query: '{ quote(ticker: "AAPL") { ticker } }', needs: 'viewer' },
    { name: 'quotes', query: '{ quotes { totalCount } }', needs: 'viewer' },
    { name: 'sectors', query: '{ sectors { sector } }', needs: 'viewer' },
    { name: 'anomalies', query: '{ anomalies { pageInfo { hasNextPage } } }', needs: 'viewer' },
    {
      name: 'history',
      query: '{ history(ticker: "AAPL", from: "2024-01-01") { pageInfo { hasNextPage } } }',
      needs: 'viewer',
    },
    { name: 'feeds', query: '{ feeds { name } }', needs: 'viewer' },
    { name: 'feed', query: '{ feed(name: "nope") { name } }', needs: 'viewer' },
    { name: 'pipeline', query: '{ pipeline { workflowStatus } }', needs: 'viewer' },
    {
      name: 'failedBatches',
      query: '{ failedBatches { pageInfo { hasNextPage } } }',
      needs: 'viewer',
    },
    { name: 'deadLetters', query: '{ deadLetters { pageInfo { hasNextPage } } }', needs: 'viewer' },
    {
      name: 'startFeed',
      query:
        'mutation { startFeed(input: { name: "x y", adapter: simulator, url: "ws://127.0.0.1:1" }) { workflowId } }',
      needs: 'operator',
    },
    {
      name: 'pauseFeed',
      query: 'mutation { pauseFeed(name: "nope") { workflowId } }',
      needs: 'operator',
    },
    {
      name: 'resumeFeed',
      query: 'mutation { resumeFeed(name: "nope") { workflowId } }',
      needs: 'operator',
    },
    {
      name: 'stopFeed',
      query: 'mutation { stopFeed(name: "nope") { workflowId } }',
      needs: 'operator',
    },
    {
      name: 'replayBatch',
      query: 'mutation { replayBatch(batchId: "anomaly-9-9") { workflowId } }',
      needs: 'operator',
    },
    {
      name: 'triggerArchive',
      query: 'mutation { triggerArchive(day: "2999-01-01") { workflowId } }',
      needs: 'operator',
    },
    {
      name: 'redriveDeadLetters',
      query: 'mutation { redriveDeadLetters(filter: { feed: "bad name!" }) { workflowId } }',
      needs: 'operator',
    },
    { name: 'apiKeys', query: '{ apiKeys { id } }', needs: 'admin' },
    { name: 'auditLog', query: '{ auditLog(first: 1) { id } }', needs: 'admin' },
    {
      name: 'createApiKey',
      query: 'mutation { createApiKey(name: "bad name!", role: viewer) { key } }',
      needs: 'admin',
    },
    { name: 'revokeApiKey', query: 'mutation { revokeApiKey(id: "nope") { id } }', needs: 'admin' },
  ];
  const rank = (r: Role) => ROLES.indexOf(r);
  const cases: [string, string, Role, string, Role][] = [];
  for (const via of ['jwt', 'api-key'])
    for (const role of ROLES)
      for (const op of OPERATIONS)
        cases.push([`${via} ${role}`, op.name, role, op.query, op.needs]);

  it.each(cases)('%s → %s', async (who, name, role, query, needs) => {
    const { status, body } = await as(who, query);
    expect(status).toBe(200);
    if (rank(role) >= rank(needs)) {
      // Allowed: whatever the field answers (data, or a domain error such as UNKNOWN_FEED), not FORBIDDEN.
      expect(body.errors?.map((e) => e.extensions?.code) ?? []).not.toContain('FORBIDDEN');
      expect(body.errors?.map((e) => e.extensions?.code) ?? []).not.toContain('UNAUTHENTICATED');
    } else {
      expect(code(body)).toBe('FORBIDDEN');
      expect(body.errors?.[0]?.message).toContain(`${name} requires role ${needs}`);
    }
  });

  it.each([
    ['no credentials', {}, 'no credentials'],
    ['a malformed bearer token', { authorization: 'Bearer not.a.jwt' }, ''],
    ['a token signed with another secret', {}, 'signature'],
    ['an expired token', {}, 'expired'],
    ['a revoked API key', {}, 'revoked'],
    [
      'an unknown API key',
      { 'x-api-key': 'fl_abcdefghij_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      '',
    ],
  ])('refuses %s with 401 UNAUTHENTICATED', async (what, headers, message) => {
    let h: Record<string, string> = headers;
    if (what === 'a token signed with another secret') {
      const other = await new SignJWT({ sub: 'x', role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('another-secret-that-is-long-enough-0123456789'));
      h = { authorization: `Bearer ${other}` };
    } else if (what === 'an expired token') {
      h = { authorization: `Bearer ${await sign({ sub: 'x', role: 'admin' }, '-1m')}` };
    } else if (what === 'a revoked API key') {
      h = { 'x-api-key': revokedKey };
    }
    const { status, headers: resHeaders, body } = await api.gql('{ ping }', undefined, h);
    expect(status).toBe(401);
    expect(resHeaders.get('www-authenticate')).toBeTruthy();
    expect(code(body)).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
    if (message) expect(body.errors?.[0]?.message).toContain(message);
  });

  it('starts, pauses, resumes and stops a feed through mutations, and shows it in feeds and feed', async () => {
    const started = await as(
      'api-key operator',
      'mutation($i: FeedInput!) { startFeed(input: $i) { workflowId runId started } }',
      // AAPL and JPM: one in each of the 2 partitions (the pipeline test reads both).
      { i: { name: feedName, adapter: 'simulator', url: simUrl, symbols: ['AAPL', 'JPM'] } },
    );
    expect(started.body.errors).toBeUndefined();
    const ref = started.body.data?.startFeed as {
      workflowId: string;
      runId: string;
      started: boolean;
    };
    expect(ref).toEqual({
      workflowId: `feed-${feedName}`,
      runId: expect.stringMatching(/\S/),
      started: true,
    });
    const desc = await temporal.client.workflow.getHandle(ref.workflowId).describe();
    expect(desc.runId).toBe(ref.runId);

    const again = await as(
      'api-key operator',
      'mutation($i: FeedInput!) { startFeed(input: $i) { workflowId } }',
      {
        i: { name: feedName, adapter: 'simulator', url: simUrl },
      },
    );
    expect(code(again.body)).toBe('CONFLICT');

    const FEED = `query($n: String!) { feed(name: $n) { name workflowId runId workflowStatus state adapter symbols connected eventsTotal } }`;
    const running = await eventually(
      async () => {
        const f = (await as('jwt viewer', FEED, { n: feedName })).body.data?.feed as {
          connected: boolean;
          eventsTotal: number;
        } | null;
        return f?.connected && f.eventsTotal > 0 ? f : undefined;
      },
      30_000,
      'the feed connected and counting',
    );
    expect(running).toMatchObject({
      name: feedName,
      workflowStatus: 'RUNNING',
      state: 'running',
      adapter: 'simulator',
      symbols: ['AAPL', 'JPM'],
    });
    const list = (await as('jwt viewer', '{ feeds { name state } }')).body.data?.feeds as {
      name: string;
    }[];
    expect(list.map((f) => f.name)).toContain(feedName);

    const paused = await as(
      'jwt operator',
      `mutation { pauseFeed(name: "${feedName}") { workflowId runId started } }`,
    );
    expect(paused.body.data?.pauseFeed).toEqual({
      workflowId: `feed-${feedName}`,
      runId: expect.any(String),
      started: false,
    });
    await eventually(
      async () =>
        ((await as('jwt viewer', FEED, { n: feedName })).body.data?.feed as { state: string })
          .state === 'paused',
      20_000,
      'paused',
    );
    await as('jwt operator', `mutation { resumeFeed(name: "${feedName}") { workflowId } }`);
    await eventually(
      async () =>
        ((await as('jwt viewer', FEED, { n: feedName })).body.data?.feed as { state: string })
          .state === 'running',
      20_000,
      'resumed',
    );
    const stopped = await as(
      'jwt admin',
      `mutation { stopFeed(name: "${feedName}") { workflowId } }`,
    );
    expect(stopped.body.errors).toBeUndefined();
    await eventually(
      async () =>
        (
          (await as('jwt viewer', FEED, { n: feedName })).body.data?.feed as {
            workflowStatus: string;
          }
        ).workflowStatus === 'COMPLETED',
      20_000,
      'stopped',
    );
    const notRunning = await as(
      'jwt operator',
      `mutation { pauseFeed(name: "${feedName}") { workflowId } }`,
    );
    expect(code(notRunning.body)).toBe('CONFLICT');
    const unknown = await as(
      'jwt operator',
      'mutation { pauseFeed(name: "no-such-feed") { workflowId } }',
    );
    expect(code(unknown.body)).toBe('UNKNOWN_FEED');
  });

  it('validates mutation input field by field', async () => {
    const bad = async (input: Record<string, unknown>) =>
      (
        await as(
          'jwt operator',
          'mutation($i: FeedInput!) { startFeed(input: $i) { workflowId } }',
          { i: input },
        )
      ).body;
    const base = { name: 'ok', adapter: 'simulator', url: 'ws://127.0.0.1:1' };
    expect((await bad({ ...base, name: 'no spaces' })).errors?.[0]?.extensions?.argumentName).toBe(
      'input.name',
    );
    expect((await bad({ ...base, url: 'http://x' })).errors?.[0]?.message).toContain('ws or wss');
    expect((await bad({ ...base, adapter: 'http_poll' })).errors?.[0]?.message).toContain(
      'http or https',
    );
    expect((await bad({ ...base, adapter: 'nasdaq' })).errors?.[0]?.message).toContain('Adapter');
    expect(
      (await bad({ ...base, symbols: ['OK', 'not ok'] })).errors?.[0]?.extensions?.argumentName,
    ).toBe('input.symbols');
    const day = await as(
      'jwt operator',
      'mutation { triggerArchive(day: "2024-02-30") { workflowId } }',
    );
    expect(day.body.errors?.[0]?.extensions?.argumentName).toBe('day');
    const open = await as(
      'jwt operator',
      `mutation { triggerArchive(day: "${new Date().toISOString().slice(0, 10)}") { workflowId } }`,
    );
    expect(open.body.errors?.[0]?.message).toContain('has not ended');
  });

  it('triggers an archive of a closed day and replays a failed batch, returning their workflow ids', async () => {
    const archive = await as(
      'jwt operator',
      'mutation { triggerArchive(day: "2020-01-01") { workflowId runId started } }',
    );
    expect(archive.body.errors).toBeUndefined();
    const ref = archive.body.data?.triggerArchive as { workflowId: string; runId: string };
    expect(ref.workflowId).toBe('archive-2020-01-01');
    await expect(
      temporal.client.workflow.getHandle(ref.workflowId, ref.runId).result(),
    ).resolves.toBeDefined();

    const unknown = await as(
      'jwt operator',
      'mutation { replayBatch(batchId: "anomaly-1-1") { workflowId } }',
    );
    expect(code(unknown.body)).toBe('UNKNOWN_BATCH');
    // A partition this deployment does not have (2 partitions here).
    const beyond = await as(
      'jwt operator',
      'mutation { replayBatch(batchId: "anomaly-p7-1-1") { workflowId } }',
    );
    expect(code(beyond.body)).toBe('UNKNOWN_BATCH');
    // An id of a release before partitions is found in partition 0; a new one in its own.
    const failed = [
      { batchId: 'cachepub-5-0', partition: 0, ids: ['5-0'] },
      { batchId: 'cachepub-p1-6-0', partition: 1, ids: ['6-0'] },
    ];
    for (const f of failed) {
      const keys = fx.keys.partition(f.partition);
      await fx.redis.xadd(
        keys.failedBatches,
        '*',
        ...encodeFailedBatch({
          batchId: f.batchId,
          stage: 'cachepub',
          stream: keys.normalizedEvents,
          ids: f.ids,
          error: 'boom',
          attempts: 5,
          failedAt: Date.now(),
        }),
      );
      // Recorded in partition 1, asked for as partition 0: not there.
      if (f.partition === 1) {
        const elsewhere = await as(
          'jwt operator',
          'mutation { replayBatch(batchId: "cachepub-p0-6-0") { workflowId } }',
        );
        expect(code(elsewhere.body)).toBe('UNKNOWN_BATCH');
      }
      const replay = await as(
        'jwt operator',
        `mutation { replayBatch(batchId: "${f.batchId}") { workflowId runId started } }`,
      );
      expect(replay.body.errors).toBeUndefined();
      const r = replay.body.data?.replayBatch as { workflowId: string; runId: string };
      expect(r.workflowId).toBe(`replay-${f.batchId}`);
      const result = await temporal.client.workflow.getHandle(r.workflowId, r.runId).result();
      expect(result).toMatchObject({ batchId: f.batchId });
    }
  });

  it('reports the pipeline: totals over the partitions, and each partition with its workflow, streams and counters', async () => {
    const Q = `{ pipeline {
      workflowId runId workflowStatus stages { stage batches events } streams { name length groups { name lag pending } } counters { name value }
      partitions { partition workflowId runId workflowStatus stages { stage events } streams { name groups { name } } counters { name value } lastFailure }
    } }`;
    type View = {
      workflowId: string;
      runId: string | null;
      workflowStatus: string;
      stages: { stage: string; events: number }[];
      counters: { name: string; value: number }[];
      streams: { name: string; groups: { name: string }[] }[];
      partitions: (Omit<View, 'partitions'> & { partition: number; lastFailure: string | null })[];
    };
    const before = (await as('jwt viewer', Q)).body.data?.pipeline as View;
    expect(before.workflowStatus).toBe('NOT_STARTED');
    expect(before.partitions.map((p) => [p.workflowId, p.workflowStatus])).toEqual([
      [pipelineWorkflowId(config.pipeline.workflowId, 0), 'NOT_STARTED'],
      [pipelineWorkflowId(config.pipeline.workflowId, 1), 'NOT_STARTED'],
    ]);
    // Partition 0 first: until both run, the pipeline is not RUNNING.
    await startPipeline(0);
    const half = (await as('jwt viewer', Q)).body.data?.pipeline as View;
    expect(half.partitions[0]?.workflowStatus).toBe('RUNNING');
    expect(half.workflowStatus).toBe('NOT_STARTED');
    await startPipeline(1);
    // The simulator's feed (started above) writes to both partitions.
    const p = await eventually(
      async () => {
        const v = (await as('jwt viewer', Q)).body.data?.pipeline as View;
        const normalized = (x: { stages: View['stages'] }) =>
          x.stages.find((s) => s.stage === 'normalize')?.events ?? 0;
        return v.partitions.every((q) => normalized(q) > 0 && q.counters.length > 0)
          ? v
          : undefined;
      },
      30_000,
      'pipeline totals of both partitions',
    );
    expect(p.workflowStatus).toBe('RUNNING');
    expect(p.workflowId).toBe(config.pipeline.workflowId);
    expect(p.runId).toBeNull();
    expect(p.stages.map((s) => s.stage)).toEqual(['normalize', 'cachepub', 'anomaly']);
    expect(p.partitions.map((q) => q.partition)).toEqual([0, 1]);
    for (const q of p.partitions) {
      expect(q.runId).toEqual(expect.any(String));
      const raw = q.streams.find((s) => s.name === fx.keys.partition(q.partition).rawEvents);
      expect(raw?.groups.map((g) => g.name)).toContain('normalize');
      expect(q.counters.map((c) => c.name)).toContain('normalize:in');
    }
    // The totals are the partitions' sums (read in one answer, so they agree).
    const sum = (name: string) =>
      p.partitions.reduce((n, q) => n + (q.counters.find((c) => c.name === name)?.value ?? 0), 0);
    expect(p.counters.find((c) => c.name === 'normalize:in')?.value).toBe(sum('normalize:in'));
    const events = (stages: View['stages']) => stages.find((s) => s.stage === 'normalize')!.events;
    expect(events(p.stages)).toBe(p.partitions.reduce((n, q) => n + events(q.stages), 0));
    expect(p.streams.map((s) => s.name)).toEqual(
      p.partitions.flatMap((q) => q.streams.map((s) => s.name)),
    );
  });

  it('records every mutation in the audit stream: who, what, when, result, workflow ids', async () => {
    const { body } = await as(
      'api-key admin',
      '{ auditLog(first: 200) { subject via role action args result code workflowId runId time } }',
    );
    const log = body.data?.auditLog as {
      subject: string;
      via: string;
      role: string;
      action: string;
      args: string;
      result: string;
      code: string | null;
      workflowId: string | null;
      time: string;
    }[];
    const start = log.find((e) => e.action === 'startFeed' && e.result === 'ok');
    expect(start).toMatchObject({
      subject: 'api-key:key-operator',
      via: 'api-key',
      role: 'operator',
      workflowId: `feed-${feedName}`,
    });
    expect(JSON.parse(start!.args)).toMatchObject({ input: { name: feedName } });
    expect(Date.parse(start!.time)).toBeGreaterThan(Date.now() - 600_000);
    const forbidden = log.find((e) => e.action === 'startFeed' && e.code === 'FORBIDDEN');
    expect(forbidden).toMatchObject({ result: 'error', role: 'viewer' });
    expect(log.find((e) => e.action === 'triggerArchive' && e.result === 'ok')).toMatchObject({
      workflowId: 'archive-2020-01-01',
    });
    expect(log.find((e) => e.action === 'pauseFeed' && e.code === 'UNKNOWN_FEED')).toBeDefined();
  });
});
