import { Registry } from 'prom-client';
import { createApiAuth, rateLimitClientId, remoteAddress } from '../../../api/auth';
import { createLogger } from '../../../lib/logger';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

describe('createApiAuth', () => {
  let fx: RedisFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('authenticates each Request once, whoever asks', async () => {
    const config = testConfig({ API_AUTH_MODE: 'required' });
    const { redis, keys } = (fx = redisFixture(config));
    const registry = new Registry();
    const auth = createApiAuth({
      config,
      redis,
      keys,
      registry,
      logger: createLogger({ level: 'silent', name: 't' }),
    });
    const request = new Request('http://x/graphql', { headers: { 'x-api-key': 'fl_bad' } });
    const serverContext = { req: { socket: { remoteAddress: '10.1.2.3' } } };
    expect(await auth.clientId(request, serverContext)).toBe('ip:10.1.2.3');
    await expect(auth.principalFor(request)).rejects.toThrow('malformed API key');
    const metric = await registry.getSingleMetric('finline_api_auth_failures_total')?.get();
    expect(metric?.values).toEqual([
      expect.objectContaining({ labels: { reason: 'malformed' }, value: 1 }),
    ]);

    const { key, info } = await auth.apiKeys.createApiKey({ name: 'k', role: 'viewer' });
    const good = new Request('http://x/graphql', { headers: { authorization: `ApiKey ${key}` } });
    expect(await auth.clientId(good, serverContext)).toBe(`key:${info.id}`);
    expect(await auth.principalFor(good)).toMatchObject({ keyId: info.id });
  });

  it('names rate-limit clients by key, subject or address', () => {
    expect(
      rateLimitClientId(
        { subject: 'api-key:ci', role: 'viewer', via: 'api-key', keyId: 'abc' },
        '::1',
      ),
    ).toBe('key:abc');
    expect(rateLimitClientId({ subject: 'alice', role: 'viewer', via: 'jwt' }, '::1')).toBe(
      'sub:alice',
    );
    expect(rateLimitClientId({ subject: 'dev', role: 'admin', via: 'dev' }, '::1')).toBe('ip:::1');
    expect(rateLimitClientId(undefined, '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(remoteAddress({})).toBe('unknown');
  });
});
