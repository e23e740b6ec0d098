import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { parse, validate } from 'graphql';
import { createApiSchema } from '../../api';
import { readConsoleOperations } from '../../api/console/operations';
import { operationCost } from '../../api/limits/query-cost';
import { startTestApi, type GqlBody, type TestApi } from '../support/api';
import { testConfig } from '../support/stack';

const sha = (q: string) => createHash('sha256').update(q, 'utf8').digest('hex');
const pq = (q: string) => ({ persistedQuery: { version: 1, sha256Hash: sha(q) } });

async function post(api: TestApi, body: unknown): Promise<{ status: number; body: GqlBody }> {
  const res = await fetch(`${api.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as GqlBody };
}

/** One operation over graphql-ws; resolves with its first result (data or errors). */
async function overWs(api: TestApi, payload: { query: string; extensions?: unknown }) {
  const client = createClient({
    url: `${api.base.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  try {
    return await new Promise<{ data?: unknown; errors?: readonly { message: string }[] }>(
      (resolve, reject) => {
        client.subscribe(payload as { query: string }, {
          next: resolve,
          error: (e) =>
            Array.isArray(e)
              ? resolve({ errors: e as { message: string }[] })
              : reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
          complete: () => undefined,
        });
      },
    );
  } finally {
    await client.dispose();
  }
}

describe('persisted operations: automatic persisted queries (default)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(testConfig());
  });
  afterAll(() => api.close());

  it('answers an unknown hash with PersistedQueryNotFound, then runs it by hash once registered', async () => {
    const query = '{ ping }';
    const miss = await post(api, { extensions: pq(query) });
    expect(miss.status).toBe(200);
    expect(miss.body.errors?.[0]).toMatchObject({
      message: 'PersistedQueryNotFound',
      extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
    });

    const register = await post(api, { query, extensions: pq(query) });
    expect(register.body).toEqual({ data: { ping: true } });
    const hit = await post(api, { extensions: pq(query) });
    expect(hit.body).toEqual({ data: { ping: true } });

    // GET with the hash alone works too (what CDNs cache).
    const url = `${api.base}/graphql?extensions=${encodeURIComponent(JSON.stringify(pq(query)))}`;
    const get = await fetch(url, { headers: { accept: 'application/json' } });
    expect(await get.json()).toEqual({ data: { ping: true } });
  });

  it('refuses a document whose hash does not match, and still runs plain documents', async () => {
    const bad = await post(api, {
      query: '{ ping }',
      extensions: { persistedQuery: { version: 1, sha256Hash: sha('{ other }') } },
    });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect((await api.gql('{ ping }')).body).toEqual({ data: { ping: true } });
  });

  it('keeps the answer to a request with neither document nor hash', async () => {
    const none = await post(api, { variables: {} });
    expect(none.status).toBe(400);
    expect(none.body.errors?.[0]?.message).toMatch(/Must provide query string/);
  });

  it('knows the console operations from the start, by hash, over HTTP and graphql-ws', async () => {
    const me = readConsoleOperations().find((o) => o.name === 'Me')!;
    const http = await post(api, { operationName: 'Me', extensions: pq(me.query) });
    expect(http.body.data).toEqual({ me: { subject: 'dev', role: 'admin', via: 'dev' } });
    const ws = await overWs(api, { query: '', extensions: pq(me.query) });
    expect(ws.data).toEqual({ me: { subject: 'dev', role: 'admin', via: 'dev' } });
  });
});

describe('persisted operations: allow-list mode', () => {
  let api: TestApi;
  const extra = '{ sectors { sector } }';
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fin-line-pq-'));
    const file = join(dir, 'operations.json');
    writeFileSync(file, JSON.stringify({ [sha(extra)]: extra }));
    api = await startTestApi(
      testConfig({
        GRAPHQL_PERSISTED_OPERATIONS: 'allowlist',
        GRAPHQL_PERSISTED_OPERATIONS_FILE: file,
      }),
    );
  });
  afterAll(() => api.close());

  it('runs listed operations by hash or exact text and refuses anything else', async () => {
    const me = readConsoleOperations().find((o) => o.name === 'Me')!;
    expect((await post(api, { extensions: pq(me.query) })).body.data).toMatchObject({
      me: { role: 'admin' },
    });
    expect((await post(api, { query: me.query })).body.data).toMatchObject({
      me: { role: 'admin' },
    });
    expect((await post(api, { extensions: pq(extra) })).body.data).toEqual({ sectors: [] });

    const arbitrary = await api.gql('{ ping }');
    expect(arbitrary.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(arbitrary.body.data ?? null).toBeNull();
    const unknownHash = await post(api, { extensions: pq('{ ping }') });
    expect(unknownHash.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    // Registering is no way around the list.
    const register = await post(api, { query: '{ ping }', extensions: pq('{ ping }') });
    expect(register.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('applies the same list over graphql-ws', async () => {
    const me = readConsoleOperations().find((o) => o.name === 'Me')!;
    expect((await overWs(api, { query: me.query })).data).toMatchObject({ me: { role: 'admin' } });
    const refused = await overWs(api, { query: '{ ping }' });
    expect(refused.errors?.[0]?.message).toMatch(/Only persisted operations/);
  });
});

describe('console operations', () => {
  it('are valid against the schema and priced within the default query cost', () => {
    const schema = createApiSchema();
    const config = testConfig();
    const ops = readConsoleOperations();
    expect(ops.map((o) => o.name)).toContain('ReplayBatch');
    for (const op of ops) {
      const doc = parse(op.query);
      expect([op.name, validate(schema, doc).map((e) => e.message)]).toEqual([op.name, []]);
      const cost = operationCost(schema, doc, op.name, {}, config.graphql.maxPageSize);
      expect(cost).toBeLessThanOrEqual(config.graphql.maxCost);
    }
  });
});
