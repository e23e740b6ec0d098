import { ConfigError, loadConfig } from '../../../lib/config';

describe('API_* configuration', () => {
  it('defaults to dev mode in development only, required elsewhere', () => {
    expect(loadConfig({}).api.auth.mode).toBe('dev');
    expect(loadConfig({ NODE_ENV: 'production' }).api.auth.mode).toBe('required');
    expect(loadConfig({ NODE_ENV: 'test' }).api.auth.mode).toBe('required');
    expect(loadConfig({ NODE_ENV: 'production', API_AUTH_MODE: 'dev' }).api.auth.mode).toBe('dev');
    expect(loadConfig({}).api).toMatchObject({
      auth: {
        devRole: 'admin',
        apiKeyCacheMs: 1000,
        jwt: { roleClaim: 'role', secret: undefined },
      },
      rateLimit: { perSecond: 100, burst: 200, mutationCost: 5 },
    });
  });

  it('requires exp and caps the JWT lifetime at 24 h unless told otherwise', () => {
    expect(loadConfig({}).api.auth.jwt).toMatchObject({ requireExp: true, maxTtlSec: 86_400 });
    expect(
      loadConfig({ API_JWT_REQUIRE_EXP: 'false', API_JWT_MAX_TTL: '0' }).api.auth.jwt,
    ).toMatchObject({ requireExp: false, maxTtlSec: 0 });
    expect(() => loadConfig({ API_JWT_REQUIRE_EXP: 'no' })).toThrow('API_JWT_REQUIRE_EXP="no"');
  });

  it('accepts API keys alone in required mode', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).api.auth.jwt).toMatchObject({
      secret: undefined,
      jwksUrl: undefined,
    });
  });

  it.each([
    [{ API_JWT_SECRET: 'short' }, 'API_JWT_SECRET=[redacted]: must be at least 32 characters'],
    [{ API_AUTH_MODE: 'open' }, 'API_AUTH_MODE="open"'],
    [{ API_DEV_ROLE: 'root' }, 'API_DEV_ROLE="root"'],
    [{ API_JWT_JWKS_URL: 'ftp://idp/jwks' }, 'API_JWT_JWKS_URL="ftp://idp/jwks"'],
    [
      { API_JWT_ISSUER: 'https://idp' },
      'API_JWT_ISSUER="https://idp": needs API_JWT_SECRET or API_JWT_JWKS_URL',
    ],
    [
      { NODE_ENV: 'production', API_JWT_JWKS_URL: 'http://idp.example/jwks' },
      'API_JWT_JWKS_URL="http://idp.example/jwks": must be https in production',
    ],
    [
      { API_RATE_LIMIT_BURST: '3', API_RATE_LIMIT_MUTATION_COST: '4' },
      'API_RATE_LIMIT_MUTATION_COST="4": must not exceed API_RATE_LIMIT_BURST (3)',
    ],
    [{ API_RATE_LIMIT_PER_SECOND: '-1' }, 'API_RATE_LIMIT_PER_SECOND="-1"'],
  ])('refuses %j naming the key', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes the JWT secret', () => {
    expect(() => loadConfig({ API_JWT_SECRET: 'hunter2' })).toThrow(/^(?![\s\S]*hunter2)/);
  });

  it('allows a plain-HTTP JWKS on loopback in production, and a mutation cost above the burst when limiting is off', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      API_JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks',
    });
    expect(c.api.auth.jwt.jwksUrl).toBe('http://127.0.0.1:8080/jwks');
    expect(
      loadConfig({
        API_RATE_LIMIT_PER_SECOND: '0',
        API_RATE_LIMIT_BURST: '1',
        API_RATE_LIMIT_MUTATION_COST: '5',
      }).api.rateLimit.perSecond,
    ).toBe(0);
  });
});
