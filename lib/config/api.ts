import { z } from 'zod';
import { derived, flag, int, num, port, section, setting, text } from './setting';

/** The GraphQL service's listener, authentication and rate limit (docs/auth.md). */
export const api = section('API', {
  host: setting('API_HOST', text('127.0.0.1'), 'address the GraphQL service listens on'),
  port: setting('API_PORT', port(4000), 'port of the GraphQL service'),
  auth: {
    mode: derived(
      'API_AUTH_MODE',
      z.enum(['dev', 'required']).optional(),
      '`required`: a JWT or an API key is needed; `dev`: requests without credentials act as `API_DEV_ROLE` (credentials sent are still checked)',
      {
        doc: '`dev` when `NODE_ENV=development`, else `required`',
        of: (env) => (env.NODE_ENV === 'development' ? 'dev' : 'required'),
      },
    ),
    devRole: setting(
      'API_DEV_ROLE',
      z.enum(['viewer', 'operator', 'admin']).default('admin'),
      'role of requests without credentials in dev mode',
    ),
    jwt: {
      secret: setting(
        'API_JWT_SECRET',
        z.string().min(32, 'must be at least 32 characters').optional(),
        'HS256 shared secret, 32+ characters; never shown in errors',
        { secret: true },
      ),
      jwksUrl: setting(
        'API_JWT_JWKS_URL',
        z.url({ protocol: /^https?$/ }).optional(),
        'RS256 public keys, fetched on demand and cached; https in production unless loopback',
      ),
      issuer: setting(
        'API_JWT_ISSUER',
        z.string().min(1).optional(),
        'required `iss` of a JWT when set (needs `API_JWT_SECRET` or `API_JWT_JWKS_URL`)',
      ),
      audience: setting(
        'API_JWT_AUDIENCE',
        z.string().min(1).optional(),
        'required `aud` of a JWT when set (needs `API_JWT_SECRET` or `API_JWT_JWKS_URL`)',
      ),
      roleClaim: setting('API_JWT_ROLE_CLAIM', text('role'), 'JWT claim holding the role'),
      clockToleranceSec: setting(
        'API_JWT_CLOCK_TOLERANCE_S',
        int(5, 0, 300),
        'leeway (s) for `exp`, `nbf` and `iat` (clocks differ)',
      ),
      requireExp: setting(
        'API_JWT_REQUIRE_EXP',
        flag(true),
        'refuse JWTs without `exp` (a leaked token without one is valid forever)',
      ),
      maxTtlSec: setting(
        'API_JWT_MAX_TTL',
        int(86_400, 0, 31_536_000),
        'longest lifetime (s) of a JWT: `exp − iat`, or `exp − now` without `iat`; `0`: no limit',
      ),
      jwksTimeoutMs: setting(
        'API_JWT_JWKS_TIMEOUT_MS',
        int(2000, 100, 60_000),
        'timeout of a JWKS fetch',
      ),
    },
    apiKeyCacheMs: setting(
      'API_KEY_CACHE_MS',
      int(1000, 0, 10_000),
      'how long a verified API key is trusted without asking Redis: the revocation delay',
    ),
    auditMaxLen: setting('API_AUDIT_MAX_LEN', int(100_000, 100), 'MAXLEN ~ of `audit:events`'),
  },
  rateLimit: {
    perSecond: setting(
      'API_RATE_LIMIT_PER_SECOND',
      num(100, 0, 1_000_000),
      'sustained requests per second per client; `0` turns rate limiting off',
    ),
    burst: setting(
      'API_RATE_LIMIT_BURST',
      int(200, 1, 10_000_000),
      'requests a client may send at once after being idle',
    ),
    mutationCost: setting(
      'API_RATE_LIMIT_MUTATION_COST',
      int(5, 1, 10_000_000),
      'what a mutation or subscription costs, in requests (at most `API_RATE_LIMIT_BURST` while limiting is on)',
    ),
  },
});
