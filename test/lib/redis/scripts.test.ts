import {
  ALL_SCRIPTS,
  API_SCRIPTS,
  createRedis,
  requireScripts,
  WORKER_SCRIPTS,
  type Redis,
} from '../../../lib/redis';
import { testConfig } from '../../support/stack';

describe('Lua scripts: each connection defines the ones its role calls', () => {
  const opened: Redis[] = [];
  const open = (scripts?: Parameters<typeof createRedis>[1]) => {
    const r = createRedis(testConfig().redis.url, scripts);
    opened.push(r);
    return r;
  };
  afterAll(async () => {
    for (const r of opened) await r.quit();
  });

  const defined = (r: Redis) =>
    ALL_SCRIPTS.filter((n) => typeof (r as unknown as Record<string, unknown>)[n] === 'function');

  it('defines none by default, and only the named sets otherwise (duplicates too)', () => {
    expect(defined(open())).toEqual([]);
    expect(defined(open({ scripts: API_SCRIPTS }))).toEqual(['rateLimit']);
    const worker = open({ scripts: WORKER_SCRIPTS });
    expect(defined(worker).sort()).toEqual(['appendRaw', 'commitBatch']);
    const dup = worker.duplicate();
    opened.push(dup);
    expect(defined(dup).sort()).toEqual(['appendRaw', 'commitBatch']);
    expect(defined(open({ scripts: ALL_SCRIPTS })).sort()).toEqual([
      'appendRaw',
      'commitBatch',
      'rateLimit',
    ]);
  });

  it('runs a defined script, and requireScripts names the missing ones', async () => {
    const api = open({ scripts: API_SCRIPTS });
    const key = `${testConfig().redis.keyPrefix}rl`;
    expect(await api.rateLimit(key, 1000, 1, 1)).toEqual([1, 0, 0]);
    await api.del(key);
    expect(() => requireScripts(api, ['rateLimit'], 'x')).not.toThrow();
    expect(() => requireScripts(api, WORKER_SCRIPTS, 'the worker')).toThrow(
      'the worker needs the Redis script(s) commitBatch, appendRaw',
    );
    expect(() => requireScripts(open(), ['rateLimit'], 'y')).toThrow(/rateLimit/);
  });
});
