import type { Connection } from '../../api/pagination';
import { decodeCut, listCut } from '../../api/partition-cursor';
import { mergeNewestFirst, type MergeOptions } from '../../api/stream-merge';
import { compareStreamIds } from '../../lib/redis';
import { redisFixture, testConfig, type RedisFixture } from '../support/stack';

const P = 3;

interface Item {
  id: string;
  partition: number;
  v: number;
}

/** A small deterministic generator, so a failure replays the same data. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

/** The merged order, newest first: stream id, then partition, both descending. */
const newestFirst = (a: Item, b: Item) => compareStreamIds(b.id, a.id) || b.partition - a.partition;

/**
 * The merge of per-partition streams on a real Redis (and on the cluster): paged with small
 * pages and scan budgets, with entries arriving between pages, it returns every entry of the
 * first page's moment once, in order, and never one that arrived later.
 */
describe('merging streams of several partitions, newest first', () => {
  let fx: RedisFixture;
  const streams: string[] = [];
  const seeded: Item[] = [];
  let next = 0;

  beforeAll(async () => {
    fx = redisFixture(testConfig({ PIPELINE_PARTITIONS: String(P) }));
    for (let p = 0; p < P; p++) streams.push(fx.keys.partition(p).deadLetters);
    const rand = lcg(7);
    // 120 entries over ~60 distinct ids: many ids occur in two or three partitions.
    for (let ms = 1000; seeded.length < 120; ms += 1 + Math.floor(rand() * 3)) {
      for (let p = 0; p < P; p++) {
        if (rand() < 0.55) {
          const id = `${ms}-${Math.floor(rand() * 2)}`;
          const last = seeded.filter((s) => s.partition === p).at(-1);
          if (last && compareStreamIds(id, last.id) <= 0) continue;
          await fx.redis.xadd(streams[p]!, id, 'v', String(next));
          seeded.push({ id, partition: p, v: next++ });
        }
      }
    }
  });
  afterAll(async () => {
    await fx?.close();
  });

  /** Adds an entry newer than everything to a partition, as the pipeline would meanwhile. */
  const arrive = async (p: number) => {
    const v = next++;
    const id = (await fx.redis.xadd(streams[p]!, '*', 'v', String(v)))!;
    seeded.push({ id, partition: p, v });
  };

  async function pageAll(
    o: Pick<MergeOptions<Item>, 'want' | 'budget'> & {
      keep?: (v: number) => boolean;
      sources?: number[];
      arrivals?: boolean;
    },
  ): Promise<{ items: Item[]; expected: Item[]; short: number }> {
    // What the streams hold when the first page is read: later entries must not show.
    const expected = seeded
      .filter((s) => (!o.keep || o.keep(s.v)) && (o.sources ?? [0, 1, 2]).includes(s.partition))
      .sort(newestFirst);
    const items: Item[] = [];
    let after: string | null = null;
    let pages = 0;
    let short = 0;
    for (; pages < 500; pages++) {
      const c: Connection<Item> = await mergeNewestFirst<Item>(fx.redis, {
        kind: 'deadletter',
        partitions: P,
        sources: (o.sources ?? [0, 1, 2]).map((p) => ({ partition: p, key: streams[p]! })),
        after: after === null ? undefined : listCut(decodeCut('deadletter', after, P), P),
        bound: '-',
        want: o.want,
        budget: o.budget,
        pick: (id, fields, partition) => {
          const v = Number(fields[1]);
          return !o.keep || o.keep(v) ? { id, partition, v } : undefined;
        },
      });
      items.push(...c.edges.map((e) => e.node));
      if (c.edges.length < o.want) short++;
      if (o.arrivals) await arrive(pages % P);
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    return { items, expected, short };
  }

  it('pages every entry once, in order, while new entries arrive between pages', async () => {
    const { items, expected } = await pageAll({ want: 7, budget: P * 8, arrivals: true });
    expect(expected.length).toBeGreaterThanOrEqual(120);
    // Many ids occur in more than one partition: the ties are exercised.
    const ids = seeded.map((i) => i.id);
    expect(ids.length - new Set(ids).size).toBeGreaterThan(20);
    expect(items.map((i) => i.v)).toEqual(expected.map((i) => i.v));
  });

  it('keeps the order with a filter and a scan budget that stops most pages early', async () => {
    const keep = (v: number) => v % 4 === 0;
    const { items, expected, short } = await pageAll({ want: 5, budget: 9, keep, arrivals: true });
    expect(items.map((i) => i.v)).toEqual(expected.map((i) => i.v));
    expect(short).toBeGreaterThan(1);
  });

  it('reads only the partitions it is given (a ticker filter), and goes on from any edge', async () => {
    const { items, expected } = await pageAll({ want: 4, budget: 100, sources: [1] });
    expect(items.map((i) => i.v)).toEqual(expected.map((i) => i.v));

    const first = await mergeNewestFirst<Item>(fx.redis, {
      kind: 'deadletter',
      partitions: P,
      sources: [0, 1, 2].map((p) => ({ partition: p, key: streams[p]! })),
      after: undefined,
      bound: '-',
      want: 5,
      budget: 100,
      pick: (id, fields, partition) => ({ id, partition, v: Number(fields[1]) }),
    });
    const fromSecond = await mergeNewestFirst<Item>(fx.redis, {
      kind: 'deadletter',
      partitions: P,
      sources: [0, 1, 2].map((p) => ({ partition: p, key: streams[p]! })),
      after: listCut(decodeCut('deadletter', first.edges[1]!.cursor, P), P),
      bound: '-',
      want: 3,
      budget: 100,
      pick: (id, fields, partition) => ({ id, partition, v: Number(fields[1]) }),
    });
    expect(fromSecond.edges.map((e) => e.node.v)).toEqual(
      first.edges.slice(2, 5).map((e) => e.node.v),
    );
  });

  it('marks the partitions read to their start as done in the cursor', async () => {
    const c = await mergeNewestFirst<Item>(fx.redis, {
      kind: 'deadletter',
      partitions: P,
      sources: [0, 1, 2].map((p) => ({ partition: p, key: streams[p]! })),
      after: undefined,
      bound: '-',
      want: 1000,
      budget: 10_000,
      pick: (id, fields, partition) => ({ id, partition, v: Number(fields[1]) }),
    });
    expect(c.pageInfo.hasNextPage).toBe(false);
    expect(Buffer.from(c.pageInfo.endCursor!, 'base64url').toString()).toBe('deadletter:p0-2=done');
  });
});
