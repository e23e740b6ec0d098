import { SignJWT } from 'jose';
import { Registry } from 'prom-client';
import {
  createApiKeyStore,
  createAuthenticator,
  createAuthMetrics,
  createJwtVerifier,
  extractCredential,
  type ApiKeyStore,
  type Authenticator,
} from '../../../api/auth';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

const SECRET = 'another-test-secret-long-enough-0123456789';
const jwt = (claims: Record<string, unknown>) =>
  new SignJWT({ exp: Math.floor(Date.now() / 1000) + 60, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as { message: string; extensions: Record<string, unknown> };
    expect(e.extensions.code).toBe('UNAUTHENTICATED');
    expect(e.extensions.http).toMatchObject({ status: 401 });
    return e.message;
  }
  throw new Error('accepted');
}

describe('extractCredential', () => {
  it('tells JWTs from API keys by format, whatever the header', () => {
    expect(extractCredential(new Headers({ authorization: 'Bearer a.b.c' }))).toEqual({
      kind: 'jwt',
      token: 'a.b.c',
    });
    expect(extractCredential(new Headers({ authorization: 'bearer fl_x' }))).toEqual({
      kind: 'api-key',
      key: 'fl_x',
    });
    expect(extractCredential(new Headers({ authorization: 'ApiKey fl_y' }))).toEqual({
      kind: 'api-key',
      key: 'fl_y',
    });
    expect(extractCredential(new Headers({ 'x-api-key': 'fl_z' }))).toEqual({
      kind: 'api-key',
      key: 'fl_z',
    });
    expect(extractCredential({ authorization: 'Bearer n.o.de' })).toEqual({
      kind: 'jwt',
      token: 'n.o.de',
    });
    expect(extractCredential(new Headers())).toBeUndefined();
    expect(extractCredential(undefined, null)).toBeUndefined();
  });

  it('prefers graphql-ws connectionParams', () => {
    const headers = new Headers({ authorization: 'Bearer h.e.ader' });
    expect(extractCredential(headers, { authorization: 'Bearer p.a.rams' })).toEqual({
      kind: 'jwt',
      token: 'p.a.rams',
    });
    expect(extractCredential(headers, { apiKey: 'fl_k' })).toEqual({
      kind: 'api-key',
      key: 'fl_k',
    });
    expect(extractCredential(headers, {})).toEqual({ kind: 'jwt', token: 'h.e.ader' });
  });

  it('refuses unknown schemes and malformed headers', () => {
    expect(() => extractCredential(new Headers({ authorization: 'Basic dTpw' }))).toThrow(
      'unsupported authorization scheme "Basic" (use Bearer or ApiKey)',
    );
    expect(() => extractCredential(new Headers({ authorization: 'Bearer' }))).toThrow(
      'malformed Authorization header',
    );
  });
});

describe('authenticate, dev and required modes', () => {
  let fx: RedisFixture;
  let apiKeys: ApiKeyStore;
  let registry: Registry;
  beforeEach(() => {
    fx = redisFixture(testConfig());
    apiKeys = createApiKeyStore({ redis: fx.redis, keys: fx.keys });
    registry = new Registry();
  });
  afterEach(() => fx.close());

  const make = (mode: 'dev' | 'required', withJwt = true): Authenticator =>
    createAuthenticator({
      mode,
      devRole: 'operator',
      apiKeys,
      metrics: createAuthMetrics(registry),
      jwt: withJwt ? createJwtVerifier({ secret: SECRET }) : undefined,
    });

  it('required: no credentials are refused; a JWT and an API key are accepted', async () => {
    const auth = make('required');
    expect(await reasonOf(auth.authenticate(new Headers()))).toBe('no credentials');
    const token = await jwt({ sub: 'alice', role: 'viewer' });
    await expect(
      auth.authenticate(new Headers({ authorization: `Bearer ${token}` })),
    ).resolves.toEqual({
      subject: 'alice',
      role: 'viewer',
      via: 'jwt',
    });
    const { key, info } = await apiKeys.createApiKey({ name: 'ci', role: 'admin' });
    await expect(auth.authenticate(new Headers({ 'x-api-key': key }))).resolves.toMatchObject({
      via: 'api-key',
      keyId: info.id,
      role: 'admin',
    });
    await expect(auth.authenticate(undefined, { apiKey: key })).resolves.toMatchObject({
      keyId: info.id,
    });
    await expect(
      auth.authenticate(undefined, { authorization: `Bearer ${token}` }),
    ).resolves.toMatchObject({
      subject: 'alice',
    });
  });

  it('dev: no credentials give the dev principal; bad credentials are still refused', async () => {
    const auth = make('dev');
    await expect(auth.authenticate(new Headers())).resolves.toEqual({
      subject: 'dev',
      role: 'operator',
      via: 'dev',
    });
    await expect(auth.authenticate(undefined, {})).resolves.toMatchObject({ via: 'dev' });
    const bad = await new SignJWT({ sub: 'x', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('z'.repeat(40)));
    expect(await reasonOf(auth.authenticate(new Headers({ authorization: `Bearer ${bad}` })))).toBe(
      'bad signature',
    );
    const expired = await jwt({ sub: 'x', role: 'admin', exp: Math.floor(Date.now() / 1000) - 60 });
    expect(
      await reasonOf(auth.authenticate(new Headers({ authorization: `Bearer ${expired}` }))),
    ).toBe('token expired');
    expect(
      await reasonOf(
        auth.authenticate(new Headers({ 'x-api-key': `fl_abcdefghij_${'A'.repeat(43)}` })),
      ),
    ).toBe('unknown key');
  });

  it('without a JWT setup, JWTs are refused and API keys work (a valid setup)', async () => {
    const auth = make('required', false);
    const token = await jwt({ sub: 'alice', role: 'viewer' });
    expect(
      await reasonOf(auth.authenticate(new Headers({ authorization: `Bearer ${token}` }))),
    ).toBe('JWT authentication is not configured');
    const { key } = await apiKeys.createApiKey({ name: 'only-keys', role: 'viewer' });
    await expect(
      auth.authenticate(new Headers({ authorization: `ApiKey ${key}` })),
    ).resolves.toMatchObject({
      role: 'viewer',
    });
  });

  it('counts failures by reason in finline_api_auth_failures_total', async () => {
    const auth = make('required');
    await reasonOf(auth.authenticate(new Headers()));
    await reasonOf(auth.authenticate(new Headers()));
    await reasonOf(auth.authenticate(new Headers({ authorization: 'Bearer nope' })));
    const metric = await registry.getSingleMetric('finline_api_auth_failures_total')?.get();
    const byReason = Object.fromEntries(
      (metric?.values ?? []).map((v) => [v.labels.reason, v.value]),
    );
    expect(byReason).toEqual({ no_credentials: 2, malformed: 1 });
  });
});
