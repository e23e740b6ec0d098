import { nodesOf, type Redis } from './client';

/**
 * Every key matching `match` (a SCAN pattern), in pages: on a Redis Cluster each master is
 * scanned in turn (SCAN is per node).
 */
export async function* scanKeys(
  redis: Redis,
  match: string,
  count = 1000,
): AsyncGenerator<string[]> {
  for (const node of nodesOf(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', count);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}

/**
 * Deletes every key matching `match` (tests and benches clean up their prefix). One UNLINK
 * per key, pipelined on the node that holds it: a multi-key command across slots is refused
 * on a cluster.
 */
export async function deleteMatching(redis: Redis, match: string): Promise<number> {
  let removed = 0;
  for (const node of nodesOf(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      const p = node.pipeline();
      for (const k of keys) p.unlink(k);
      await p.exec();
      removed += keys.length;
    } while (cursor !== '0');
  }
  return removed;
}
