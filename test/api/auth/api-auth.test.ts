import { SignJWT } from 'jose';
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

  it('holds JWTs to the configured lifetime rules', async () => {
    const secret = 'lifetime-test-secret-long-enough-0123456789';
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ sub: 'a', role: 'viewer', ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(secret));
    const t = Math.floor(Date.now() / 1000);
    const authFor = (env: Record<string, string>) => {
      const config = testConfig({ API_AUTH_MODE: 'required', API_JWT_SECRET: secret, ...env });
      fx ??= redisFixture(config);
      return createApiAuth({
        config,
        redis: fx.redis,
        keys: fx.keys,
        registry: new Registry(),
        logger: createLogger({ level: 'silent', name: 't' }),
      });
    };
    const verify = async (auth: ReturnType<typeof authFor>, token: string) =>
      auth
        .principalFor(
          new Request('http://x/graphql', { headers: { authorization: `Bearer ${token}` } }),
        )
        .then(
          (p) => p.subject,
          (err: Error) => err.message,
        );

    const defaults = authFor({});
    expect(await verify(defaults, await sign({}))).toBe('token has no exp claim');
    expect(await verify(defaults, await sign({ iat: t, exp: t + 2 * 86_400 }))).toBe(
      'token lifetime 172800 s exceeds the maximum of 86400 s',
    );
    expect(await verify(defaults, await sign({ iat: t, exp: t + 3600 }))).toBe('a');
    const lax = authFor({ API_JWT_REQUIRE_EXP: 'false', API_JWT_MAX_TTL: '60' });
    expect(await verify(lax, await sign({}))).toBe('a');
    expect(await verify(lax, await sign({ iat: t, exp: t + 61 }))).toBe(
      'token lifetime 61 s exceeds the maximum of 60 s',
    );
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
