import { SignJWT } from 'jose';
import { readAudit, ROLES, type Role } from '../../../api/auth';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';
import { startAuthHarness, type AuthHarness } from './http-harness';

const SECRET = 'matrix-test-secret-that-is-long-enough-0123';
const jwt = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .sign(new TextEncoder().encode(secret));

const OPERATIONS: { name: string; query: string; needs: Role; data: unknown }[] = [
  { name: 'quote', query: '{ quote }', needs: 'viewer', data: { quote: 'AAPL 1.00' } },
  {
    name: 'startFeed',
    query: 'mutation { startFeed(feed: "sim", secret: "s3cret") }',
    needs: 'operator',
    data: { startFeed: 'feed-sim' },
  },
  { name: 'resetAll', query: 'mutation { resetAll }', needs: 'admin', data: { resetAll: true } },
];

describe('auth matrix over HTTP (required mode): each role × each operation, and bad credentials', () => {
  let fx: RedisFixture;
  let h: AuthHarness;
  const credentials: Record<string, Record<string, string>> = {};
  let revokedKey = '';

  beforeAll(async () => {
    const config = testConfig({
      API_AUTH_MODE: 'required',
      API_JWT_SECRET: SECRET,
      API_RATE_LIMIT_PER_SECOND: '0',
    });
    fx = redisFixture(config);
    h = await startAuthHarness(config, fx);
    for (const role of ROLES) {
      credentials[`jwt ${role}`] = {
        authorization: `Bearer ${await jwt({ sub: `user-${role}`, role })}`,
      };
      const { key } = await h.auth.apiKeys.createApiKey({ name: `k-${role}`, role });
      credentials[`api-key ${role}`] = { 'x-api-key': key };
    }
    const { key, info } = await h.auth.apiKeys.createApiKey({ name: 'gone', role: 'admin' });
    await h.auth.apiKeys.revokeApiKey(info.id);
    revokedKey = key;
  });
  afterAll(async () => {
    await h.close();
    await fx.close();
  });

  const cases: [string, string, Role, (typeof OPERATIONS)[number]][] = [];
  for (const via of ['jwt', 'api-key']) {
    for (const role of ROLES)
      for (const op of OPERATIONS) cases.push([`${via} ${role}`, op.name, role, op]);
  }

  it.each(cases)('%s → %s', async (cred, _opName, role, op) => {
    const reply = await h.post(op.query, credentials[cred]);
    expect(reply.status).toBe(200);
    if (ROLES.indexOf(role) >= ROLES.indexOf(op.needs)) {
      expect(reply.body.errors).toBeUndefined();
      expect(reply.body.data).toEqual(op.data);
    } else {
      expect(reply.body.data).toBeNull();
      expect(reply.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(reply.body.errors?.[0]?.message).toMatch(
        new RegExp(`^${op.name} requires role ${op.needs} or above; \\S+ has role ${role}$`),
      );
    }
  });

  const refusals: [string, () => Promise<Record<string, string>>, string][] = [
    ['no credentials', () => Promise.resolve({}), 'no credentials'],
    [
      'a bad token',
      async () => ({
        authorization: `Bearer ${await jwt({ sub: 'x', role: 'admin' }, 'w'.repeat(40))}`,
      }),
      'bad signature',
    ],
    [
      'an expired token',
      async () => ({
        authorization: `Bearer ${await jwt({ sub: 'x', role: 'admin', exp: Math.floor(Date.now() / 1000) - 60 })}`,
      }),
      'token expired',
    ],
    [
      'an unknown role',
      async () => ({ authorization: `Bearer ${await jwt({ sub: 'x', role: 'god' })}` }),
      'unknown role "god"',
    ],
    [
      'a revoked key',
      () => Promise.resolve({ authorization: `ApiKey ${revokedKey}` }),
      'key revoked',
    ],
    ['a garbage key', () => Promise.resolve({ 'x-api-key': 'fl_nope' }), 'malformed API key'],
  ];
  for (const op of OPERATIONS) {
    it.each(refusals)(
      `${op.name} with %s → 401 UNAUTHENTICATED`,
      async (_name, headers, message) => {
        const reply = await h.post(op.query, await headers());
        expect(reply.status).toBe(401);
        expect(reply.headers.get('www-authenticate')).toBe('Bearer');
        expect(reply.body.errors).toHaveLength(1);
        expect(reply.body.errors?.[0]?.message).toBe(message);
        expect(reply.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        // The transport details stay out of the body.
        expect(reply.body.errors?.[0]?.extensions?.http).toBeUndefined();
      },
    );
  }

  it('audited every mutation that reached a resolver, allowed or forbidden, without secrets', async () => {
    const entries = await readAudit({ redis: fx.redis, keys: fx.keys }, { count: 1000 });
    // 6 principals × 2 mutations (the refused credentials never reach a resolver).
    expect(entries).toHaveLength(12);
    const start = entries.find((e) => e.action === 'startFeed' && e.subject === 'user-operator');
    expect(start).toMatchObject({
      via: 'jwt',
      role: 'operator',
      result: 'ok',
      workflowId: 'feed-sim',
      runId: 'run-1',
      args: { feed: 'sim', secret: '[redacted]' },
    });
    expect(start?.requestId).toMatch(/^req-\d+$/);
    const forbidden = entries.find(
      (e) => e.action === 'resetAll' && e.subject === 'api-key:k-operator',
    );
    expect(forbidden).toMatchObject({ via: 'api-key', result: 'error', code: 'FORBIDDEN' });
    expect(forbidden?.keyId).toMatch(/^[a-z0-9]{10}$/);
    expect(JSON.stringify(entries)).not.toContain('s3cret');
  });
});

describe('dev mode over HTTP', () => {
  let fx: RedisFixture;
  let h: AuthHarness;
  beforeAll(async () => {
    const config = testConfig({
      API_AUTH_MODE: 'dev',
      API_DEV_ROLE: 'operator',
      API_JWT_SECRET: SECRET,
      API_RATE_LIMIT_PER_SECOND: '0',
    });
    fx = redisFixture(config);
    h = await startAuthHarness(config, fx);
  });
  afterAll(async () => {
    await h.close();
    await fx.close();
  });

  it('lets requests without credentials act as API_DEV_ROLE, and audits them as dev', async () => {
    expect((await h.post('mutation { startFeed(feed: "x") }')).body.data).toEqual({
      startFeed: 'feed-x',
    });
    const admin = await h.post('mutation { resetAll }');
    expect(admin.body.errors?.[0]?.message).toBe(
      'resetAll requires role admin or above; dev has role operator',
    );
    const entries = await readAudit({ redis: fx.redis, keys: fx.keys });
    expect(entries.map((e) => [e.subject, e.via, e.role, e.result])).toEqual([
      ['dev', 'dev', 'operator', 'ok'],
      ['dev', 'dev', 'operator', 'error'],
    ]);
  });

  it('still verifies credentials that are sent', async () => {
    const bad = await h.post('{ quote }', { authorization: 'Bearer a.b.c' });
    expect(bad.status).toBe(401);
    expect(bad.body.errors?.[0]?.message).toBe('malformed token');
    const good = await h.post('mutation { resetAll }', {
      authorization: `Bearer ${await jwt({ sub: 'root', role: 'admin' })}`,
    });
    expect(good.body.data).toEqual({ resetAll: true });
  });
});
