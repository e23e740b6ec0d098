import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useConsole } from '../../api/console/serve';
import { archiveWorkflowId } from '../../contract';
import { dayOf } from '../../lib/archive/day';
import { encodeFailedBatch } from '../../lib/redis';
import { buildConsole } from '../../scripts/build-console';
import { startTestApi, type TestApi } from '../support/api';
import { redisFixture, testConfig, type RedisFixture } from '../support/stack';

interface Page {
  totalCount?: number;
  edges: { cursor: string; node: { batchId?: string; id?: string } }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

describe('the fields the console reads', () => {
  const config = testConfig({ TEMPORAL_UI_URL: 'http://ui.example.test:8080/' });
  let api: TestApi;
  let fx: RedisFixture;
  beforeAll(async () => {
    await buildConsole();
    fx = redisFixture(config);
    api = await startTestApi(config, {
      archive: {
        history: () => Promise.resolve([]),
        coverage: () => Promise.resolve({ archivedDays: [dayOf(Date.now() - 2 * 86_400_000)] }),
      },
    });
  });
  afterAll(async () => {
    await api.close();
    await fx.close();
  });

  it('pages forward with complete Relay PageInfo and totalCount', async () => {
    for (let i = 0; i < 3; i++) {
      await fx.redis.xadd(
        fx.keys.partition(0).failedBatches,
        '*',
        ...encodeFailedBatch({
          batchId: `cachepub-${i + 1}-0`,
          stage: 'cachepub',
          stream: fx.keys.partition(0).normalizedEvents,
          ids: [`${i + 1}-0`],
          error: 'boom',
          attempts: 2,
          failedAt: Date.now(),
        }),
      );
    }
    const Q = `query($after: String) { failedBatches(first: 2, after: $after) {
      totalCount edges { cursor node { batchId replay { workflowId } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const p1 = (await api.gql(Q)).body.data?.failedBatches as Page;
    expect(p1.totalCount).toBe(3);
    expect(p1.edges.map((e) => e.node.batchId)).toEqual(['cachepub-3-0', 'cachepub-2-0']);
    expect(p1.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: p1.edges[0]!.cursor,
      endCursor: p1.edges[1]!.cursor,
    });
    const p2 = (await api.gql(Q, { after: p1.pageInfo.endCursor })).body.data
      ?.failedBatches as Page;
    expect(p2.edges.map((e) => e.node.batchId)).toEqual(['cachepub-1-0']);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(p2.pageInfo.startCursor).toBe(p2.edges[0]!.cursor);

    const dl = (await api.gql('{ deadLetters { totalCount pageInfo { startCursor } } }')).body.data
      ?.deadLetters as Page;
    expect(dl).toEqual({ totalCount: 0, pageInfo: { startCursor: null } });
  });

  it('says who the caller is', async () => {
    expect((await api.gql('{ me { subject role via } }')).body.data).toEqual({
      me: { subject: 'dev', role: 'admin', via: 'dev' },
    });
  });

  it("lists the archive's last days with the manifest the reader reports", async () => {
    const r = await api.gql(
      '{ archiveDays(last: 3) { day status manifest workflow { workflowId } } }',
    );
    const days = r.body.data?.archiveDays as { day: string; status: string; manifest: boolean }[];
    const day = (n: number) => dayOf(Date.now() - n * 86_400_000);
    expect(days).toEqual([
      { day: day(1), status: 'missing', manifest: false, workflow: null },
      { day: day(2), status: 'archived', manifest: true, workflow: null },
      { day: day(3), status: 'missing', manifest: false, workflow: null },
    ]);
    expect(archiveWorkflowId(day(1))).toBe(`archive-${day(1)}`);
    const bad = await api.gql('{ archiveDays(last: 40) { day } }');
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argumentName: 'last',
    });
  });

  it('serves the console page with a same-origin policy, and its settings', async () => {
    const page = await fetch(`${api.base}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const settings = (await (await fetch(`${api.base}/console/settings.json`)).json()) as Record<
      string,
      unknown
    >;
    expect(settings).toEqual({
      graphqlPath: '/graphql',
      temporalUi: 'http://ui.example.test:8080/namespaces/default',
      namespace: 'default',
      authMode: 'dev',
      persistedOperations: 'apq',
      archiveSchedule: 'archive-nightly',
    });
    expect((await fetch(`${api.base}/console/..%2Fpackage.json`)).status).toBe(404);
  });
});

describe('the console without a build', () => {
  it('answers 503 with the command that builds it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'fin-line-dist-'));
    writeFileSync(join(empty, 'console.js'), 'export {};');
    const plugin = useConsole({
      settings: {
        graphqlPath: '/graphql',
        temporalUi: 'http://x',
        namespace: 'default',
        authMode: 'dev',
        persistedOperations: 'apq',
        archiveSchedule: 'archive-nightly',
      },
      distDir: empty,
    });
    const { createYoga, createSchema } = await import('graphql-yoga');
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { a: Int }' }),
      plugins: [plugin],
    });
    const res = await yoga.fetch('http://localhost/');
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/npm run build:console/);
    const js = await yoga.fetch('http://localhost/console/console.js');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });
});
