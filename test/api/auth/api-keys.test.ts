import { ApiKeyNotFoundError, createApiKeyStore, parseApiKey } from '../../../api/auth';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

async function refusal(p: Promise<unknown>): Promise<{ message: string; reason: unknown }> {
  try {
    await p;
  } catch (err) {
    const e = err as { message: string; extensions: Record<string, unknown> };
    expect(e.extensions.code).toBe('UNAUTHENTICATED');
    return { message: e.message, reason: e.extensions.reason };
  }
  throw new Error('key was accepted');
}

describe('API keys in a real Redis', () => {
  let fx: RedisFixture;
  beforeEach(() => {
    fx = redisFixture(testConfig());
  });
  afterEach(() => fx.close());

  it('creates a key shown once, verifies it, lists it without secrets, revokes it', async () => {
    const store = createApiKeyStore({ redis: fx.redis, keys: fx.keys });
    const { key, info } = await store.createApiKey({ name: 'ci', role: 'operator' });
    const parsed = parseApiKey(key);
    expect(parsed?.id).toBe(info.id);
    expect(key).toMatch(/^fl_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);

    // Stored: the hash of the secret, never the secret or the key.
    const stored = await fx.redis.hgetall(fx.keys.apiKey(info.id));
    expect(Object.keys(stored).sort()).toEqual(['created_at', 'hash', 'id', 'name', 'role']);
    expect(JSON.stringify(stored)).not.toContain(parsed?.secret);
    expect(await fx.redis.smembers(fx.keys.apiKeys)).toEqual([info.id]);

    await expect(store.verifyApiKey(key)).resolves.toEqual({
      subject: 'api-key:ci',
      role: 'operator',
      via: 'api-key',
      keyId: info.id,
    });

    const list = await store.listApiKeys();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: info.id, name: 'ci', role: 'operator' });
    expect(JSON.stringify(list)).not.toMatch(/hash|fl_/);
    // The first verification records the use (best effort, so poll the write).
    for (
      let i = 0;
      i < 50 && !(await fx.redis.hexists(fx.keys.apiKey(info.id), 'last_used_at'));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await store.listApiKeys())[0]?.lastUsedAt).toMatch(/^\d{4}-/);

    const revoked = await store.revokeApiKey(info.id);
    expect(revoked.revokedAt).toMatch(/^\d{4}-/);
    // Same process: at once, cache or not.
    expect(await refusal(store.verifyApiKey(key))).toEqual({
      message: 'key revoked',
      reason: 'revoked',
    });
    expect((await store.listApiKeys())[0]?.revokedAt).toBe(revoked.revokedAt);
    // Revoking again changes nothing.
    expect((await store.revokeApiKey(info.id)).revokedAt).toBe(revoked.revokedAt);
  });

  it('a revocation by another process takes effect once the verification cache expires', async () => {
    const api = createApiKeyStore({ redis: fx.redis, keys: fx.keys, cacheMs: 200 });
    const cli = createApiKeyStore({ redis: fx.redis, keys: fx.keys, cacheMs: 0 });
    const { key, info } = await cli.createApiKey({ name: 'svc', role: 'viewer' });
    await expect(api.verifyApiKey(key)).resolves.toMatchObject({ keyId: info.id });
    await cli.revokeApiKey(info.id);
    // No timing assertion: the cache period is the bound, so wait it out and check.
    await new Promise((r) => setTimeout(r, 250));
    expect((await refusal(api.verifyApiKey(key))).message).toBe('key revoked');
  });

  it('refuses unknown, wrong-secret and malformed keys', async () => {
    const store = createApiKeyStore({ redis: fx.redis, keys: fx.keys });
    const { key } = await store.createApiKey({ name: 'a', role: 'admin' });
    const wrongSecret = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await refusal(store.verifyApiKey(wrongSecret))).toEqual({
      message: 'unknown key',
      reason: 'unknown_key',
    });
    const unknownId = `fl_zzzzzzzzzz_${'A'.repeat(43)}`;
    expect((await refusal(store.verifyApiKey(unknownId))).message).toBe('unknown key');
    expect(await refusal(store.verifyApiKey('fl_short'))).toEqual({
      message: 'malformed API key',
      reason: 'malformed',
    });
  });

  it('validates names and roles, and reports unknown ids on revoke', async () => {
    const store = createApiKeyStore({ redis: fx.redis, keys: fx.keys });
    await expect(store.createApiKey({ name: 'has space', role: 'admin' })).rejects.toThrow(
      /name must be/,
    );
    // @ts-expect-error: a role from untyped input
    await expect(store.createApiKey({ name: 'x', role: 'root' })).rejects.toThrow(/role must be/);
    await expect(store.revokeApiKey('abcdefghij')).rejects.toBeInstanceOf(ApiKeyNotFoundError);
    await expect(store.revokeApiKey('../etc')).rejects.toThrow('no API key with id "../etc"');
    expect(await store.listApiKeys()).toEqual([]);
  });

  it('lists keys oldest first', async () => {
    const store = createApiKeyStore({ redis: fx.redis, keys: fx.keys });
    const a = await store.createApiKey({ name: 'first', role: 'viewer' });
    await new Promise((r) => setTimeout(r, 5));
    const b = await store.createApiKey({ name: 'second', role: 'admin' });
    expect((await store.listApiKeys()).map((k) => k.id)).toEqual([a.info.id, b.info.id]);
  });
});
