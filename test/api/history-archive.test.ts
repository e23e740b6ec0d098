import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createArchiveReader,
  DAY_MS,
  dayOf,
  dayRange,
  type ArchiveReader,
} from '../../lib/archive';
import { startArchiveDay } from '../../clients';
import type { Config } from '../../lib/config';
import { seedDay } from '../support/archive-data';
import { startTestApi, type TestApi } from '../support/api';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { startTestWorker } from '../support/temporal';

type Page = {
  edges: { node: { id: string; priceText: string; ts: number } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};

/**
 * `history` across the archive and Redis: a day archived to Parquet by the real archiveDay
 * workflow and trimmed from Redis, followed by a day still only in Redis, read in small pages
 * through one cursor.
 */
describe('GraphQL history joins the Parquet archive with the stream', () => {
  const archivedDay = dayOf(Date.now() - 2 * DAY_MS);
  const hotDay = dayOf(Date.now() - DAY_MS);
  let config: Config;
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let reader: ArchiveReader;
  let api: TestApi;
  const expected: { id: string; price: string }[] = [];

  beforeAll(async () => {
    config = testConfig({
      ARCHIVE_DIR: mkdtempSync(join(tmpdir(), 'fin-line-history-')),
      ARCHIVE_RETENTION_DAYS: '1',
      GRAPHQL_SCAN_LIMIT: '1000',
    });
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    const old = await seedDay(fx.redis, fx.keys, archivedDay, 400, 1);
    const hot = await seedDay(fx.redis, fx.keys, hotDay, 300, 2);
    for (const t of [...old.ticks, ...hot.ticks])
      if (t.ticker === 'AAPL') expected.push({ id: t.id, price: t.price });
    worker = await startTestWorker(config, temporal);
    const started = await startArchiveDay(temporal.client, config, archivedDay);
    await temporal.client.workflow.getHandle(started.workflowId).result();
    reader = await createArchiveReader(config);
    api = await startTestApi(config, { archive: reader });
  });

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await reader?.close();
    await temporal?.close();
    await fx?.close();
  });

  it('reads archived ticks Redis no longer holds, then the stream, in pages with no gap or repeat', async () => {
    // The archived day is gone from Redis (retention 1 day): only the archive has it.
    const [first] = (await fx.redis.xrange(
      fx.keys.forTicker('AAPL').normalizedEvents,
      '-',
      '+',
      'COUNT',
      1,
    )) as [string, string[]][];
    expect(Number(first![0].split('-')[0])).toBeGreaterThanOrEqual(dayRange(hotDay).start);

    const Q = `query($from: DateTime!, $after: String) {
      history(ticker: "AAPL", from: $from, first: 25, after: $after) {
        edges { node { id priceText ts } } pageInfo { hasNextPage endCursor }
      }
    }`;
    const got: { id: string; price: string }[] = [];
    let after: string | null = null;
    for (let n = 0; n < 100; n++) {
      const { body } = await api.gql(Q, { from: dayRange(archivedDay).start - DAY_MS, after });
      expect(body.errors).toBeUndefined();
      const page = body.data?.history as Page;
      got.push(...page.edges.map((e) => ({ id: e.node.id, price: e.node.priceText })));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(got.length).toBe(expected.length);
    expect(got).toEqual(expected);
  });
});
