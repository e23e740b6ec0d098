import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { createJwtVerifier, type JwtVerifier } from '../../../api/auth';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const secretKey = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token; with an `exp` a minute ahead unless the claims say (`exp: undefined`: none). */
async function hs256(
  claims: Record<string, unknown>,
  key: Uint8Array = secretKey,
): Promise<string> {
  const withExp = 'exp' in claims ? claims : { exp: now() + 60, ...claims };
  const defined = Object.fromEntries(Object.entries(withExp).filter(([, v]) => v !== undefined));
  return new SignJWT(defined).setProtectedHeader({ alg: 'HS256' }).sign(key);
}

/** Verifies and returns the error, or fails the test if the token passes. */
async function refusal(
  verifier: JwtVerifier,
  token: string,
): Promise<{ message: string; reason: unknown; code: unknown }> {
  try {
    await verifier.verify(token);
  } catch (err) {
    const e = err as { message: string; extensions: Record<string, unknown> };
    return { message: e.message, reason: e.extensions.reason, code: e.extensions.code };
  }
  throw new Error('token was accepted');
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('JWT HS256', () => {
  const verifier = createJwtVerifier({ secret: SECRET, clockToleranceSec: 0 });

  it('accepts a valid token: subject from sub, role from the role claim', async () => {
    const token = await hs256({ sub: 'alice', role: 'operator', exp: now() + 60 });
    await expect(verifier.verify(token)).resolves.toEqual({
      subject: 'alice',
      role: 'operator',
      via: 'jwt',
    });
  });

  it('takes the highest known role of a role list', async () => {
    const token = await hs256({ sub: 'bob', role: ['viewer', 'admin', 'other'] });
    await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'admin' });
  });

  it('reads a configured role claim', async () => {
    const custom = createJwtVerifier({ secret: SECRET, roleClaim: 'https://fin-line/role' });
    const token = await hs256({ sub: 'c', 'https://fin-line/role': 'viewer', role: 'admin' });
    await expect(custom.verify(token)).resolves.toMatchObject({ role: 'viewer' });
  });

  it.each([
    ['expired', { sub: 'a', role: 'admin', exp: now() - 30 }, 'token expired', 'expired'],
    [
      'not yet valid',
      { sub: 'a', role: 'admin', nbf: now() + 300 },
      'token not yet valid',
      'not_yet_valid',
    ],
    ['unknown role', { sub: 'a', role: 'root' }, 'unknown role "root"', 'unknown_role'],
    ['missing role', { sub: 'a' }, 'token has no role claim', 'missing_role'],
    ['missing sub', { role: 'admin' }, 'token has no sub claim', 'claims'],
  ])('refuses a token that is %s', async (_name, claims, message, reason) => {
    expect(await refusal(verifier, await hs256(claims))).toEqual({
      message,
      reason,
      code: 'UNAUTHENTICATED',
    });
  });

  it('honours the clock tolerance', async () => {
    const lenient = createJwtVerifier({ secret: SECRET, clockToleranceSec: 60 });
    const token = await hs256({ sub: 'a', role: 'viewer', exp: now() - 30 });
    await expect(lenient.verify(token)).resolves.toMatchObject({ subject: 'a' });
    expect((await refusal(verifier, token)).message).toBe('token expired');
  });

  it('refuses a bad signature', async () => {
    const token = await hs256(
      { sub: 'a', role: 'admin' },
      new TextEncoder().encode('x'.repeat(40)),
    );
    expect(await refusal(verifier, token)).toMatchObject({
      message: 'bad signature',
      reason: 'bad_signature',
    });
  });

  it('refuses alg none and other algorithms', async () => {
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'a', role: 'admin' })}.`;
    expect(await refusal(verifier, none)).toMatchObject({
      message: 'algorithm none is not allowed',
      reason: 'algorithm',
    });
    const hs512 = await new SignJWT({ sub: 'a', role: 'admin' })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new TextEncoder().encode('y'.repeat(64)));
    expect((await refusal(verifier, hs512)).message).toBe('algorithm HS512 is not allowed');
  });

  it('refuses RS256 when no JWKS is configured, and garbage as malformed', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT({ sub: 'a', role: 'admin' })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(privateKey);
    expect(await refusal(verifier, rs)).toMatchObject({
      message: 'RS256 tokens are not accepted: API_JWT_JWKS_URL is not set',
      reason: 'not_configured',
    });
    expect(await refusal(verifier, 'not.a.jwt')).toMatchObject({
      message: 'malformed token',
      reason: 'malformed',
    });
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createJwtVerifier({
      secret: SECRET,
      issuer: 'https://idp',
      audience: 'fin-line',
    });
    const good = await new SignJWT({ sub: 'a', role: 'viewer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://idp')
      .setAudience('fin-line')
      .setExpirationTime('5m')
      .sign(secretKey);
    await expect(strict.verify(good)).resolves.toMatchObject({ subject: 'a' });
    const wrongIss = await new SignJWT({ sub: 'a', role: 'viewer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://evil')
      .setAudience('fin-line')
      .sign(secretKey);
    expect((await refusal(strict, wrongIss)).message).toBe('wrong token issuer');
    const wrongAud = await new SignJWT({ sub: 'a', role: 'viewer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://idp')
      .setAudience('other')
      .sign(secretKey);
    expect((await refusal(strict, wrongAud)).message).toBe('wrong token audience');
  });
});

describe('JWT lifetime', () => {
  const verifier = createJwtVerifier({ secret: SECRET, clockToleranceSec: 5, maxTtlSec: 3600 });
  const base = { sub: 'a', role: 'viewer' };

  it('refuses a token without exp by default, and takes it when told to', async () => {
    const token = await hs256({ ...base, exp: undefined });
    expect(await refusal(verifier, token)).toEqual({
      message: 'token has no exp claim',
      reason: 'claims',
      code: 'UNAUTHENTICATED',
    });
    expect(await refusal(createJwtVerifier({ secret: SECRET }), token)).toMatchObject({
      message: 'token has no exp claim',
    });
    const lax = createJwtVerifier({ secret: SECRET, requireExp: false });
    await expect(lax.verify(token)).resolves.toMatchObject({ subject: 'a' });
  });

  it('refuses a lifetime beyond the maximum: exp − iat, else exp − now', async () => {
    const t = now();
    await expect(
      verifier.verify(await hs256({ ...base, iat: t - 3000, exp: t + 600 })),
    ).resolves.toMatchObject({ subject: 'a' });
    expect(await refusal(verifier, await hs256({ ...base, iat: t - 10, exp: t + 3600 }))).toEqual({
      message: 'token lifetime 3610 s exceeds the maximum of 3600 s',
      reason: 'claims',
      code: 'UNAUTHENTICATED',
    });
    // No iat: the time left counts, less the leeway for an issuer clock that runs ahead.
    await expect(verifier.verify(await hs256({ ...base, exp: t + 3603 }))).resolves.toBeTruthy();
    expect((await refusal(verifier, await hs256({ ...base, exp: t + 7200 }))).message).toMatch(
      /^token lifetime 71\d\d s exceeds the maximum of 3600 s$/,
    );
    // A year-long token is refused with the defaults (24 h); 0 turns the limit off.
    const year = await hs256({ ...base, iat: t, exp: t + 365 * 86_400 });
    expect((await refusal(createJwtVerifier({ secret: SECRET }), year)).reason).toBe('claims');
    const unlimited = createJwtVerifier({ secret: SECRET, maxTtlSec: 0 });
    await expect(unlimited.verify(year)).resolves.toMatchObject({ subject: 'a' });
  });

  it('allows clock skew within the leeway for nbf and iat, and refuses beyond it', async () => {
    const t = now();
    await expect(
      verifier.verify(await hs256({ ...base, iat: t + 4, nbf: t + 4, exp: t + 600 })),
    ).resolves.toMatchObject({ subject: 'a' });
    expect(await refusal(verifier, await hs256({ ...base, iat: t + 30, exp: t + 600 }))).toEqual({
      message: 'token issued in the future',
      reason: 'not_yet_valid',
      code: 'UNAUTHENTICATED',
    });
    expect(
      (await refusal(verifier, await hs256({ ...base, nbf: t + 30, exp: t + 600 }))).message,
    ).toBe('token not yet valid');
  });
});

/** A JWKS endpoint on a real socket whose key set the test swaps, counting fetches. */
async function jwksServer(): Promise<{
  url: string;
  setKeys(keys: JWK[]): void;
  fetches(): number;
  close(): Promise<void>;
}> {
  let keys: JWK[] = [];
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    setKeys: (k) => {
      keys = k;
    },
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function rsaKey(kid: string): Promise<{ privateKey: KeyLike; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const rs256 = (key: KeyLike, kid: string, claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).setExpirationTime('5m').sign(key);

describe('JWT RS256 via a JWKS served over HTTP', () => {
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  beforeAll(async () => {
    jwks = await jwksServer();
  });
  afterAll(() => jwks.close());

  it('verifies with the fetched key set, caches it, and refetches on an unknown kid (rotation)', async () => {
    const k1 = await rsaKey('k1');
    const k2 = await rsaKey('k2');
    jwks.setKeys([k1.jwk]);
    const verifier = createJwtVerifier({ jwksUrl: jwks.url, jwksCooldownMs: 0 });
    const before = jwks.fetches();
    await expect(
      verifier.verify(await rs256(k1.privateKey, 'k1', { sub: 'svc', role: 'operator' })),
    ).resolves.toEqual({
      subject: 'svc',
      role: 'operator',
      via: 'jwt',
    });
    await verifier.verify(await rs256(k1.privateKey, 'k1', { sub: 'svc', role: 'operator' }));
    expect(jwks.fetches() - before).toBe(1);

    // The IdP rotates: k2 signs, the set now holds both; the unknown kid triggers a refetch.
    jwks.setKeys([k1.jwk, k2.jwk]);
    await expect(
      verifier.verify(await rs256(k2.privateKey, 'k2', { sub: 'svc2', role: 'admin' })),
    ).resolves.toMatchObject({
      subject: 'svc2',
      role: 'admin',
    });
    expect(jwks.fetches() - before).toBe(2);
  });

  it('refuses a kid the refetched set does not have, and a token signed by another key', async () => {
    const k1 = await rsaKey('k1');
    const stranger = await rsaKey('k1');
    jwks.setKeys([k1.jwk]);
    const verifier = createJwtVerifier({ jwksUrl: jwks.url, jwksCooldownMs: 0 });
    const unknownKid = await rs256(k1.privateKey, 'nope', { sub: 's', role: 'admin' });
    expect((await refusal(verifier, unknownKid)).reason).toBe('bad_signature');
    const forged = await rs256(stranger.privateKey, 'k1', { sub: 's', role: 'admin' });
    expect(await refusal(verifier, forged)).toMatchObject({
      message: 'bad signature',
      reason: 'bad_signature',
    });
  });

  it('refuses an HS256 token signed with the public key (algorithm confusion)', async () => {
    const k1 = await rsaKey('k1');
    jwks.setKeys([k1.jwk]);
    // Only a JWKS configured: HS256 has no key at all.
    const verifier = createJwtVerifier({ jwksUrl: jwks.url });
    const confused = await hs256(
      { sub: 's', role: 'admin' },
      new TextEncoder().encode(JSON.stringify(k1.jwk)),
    );
    expect((await refusal(verifier, confused)).reason).toBe('not_configured');
    // Both configured: the HS256 token goes to the shared secret, never to the RSA key.
    const both = createJwtVerifier({ jwksUrl: jwks.url, secret: SECRET });
    expect((await refusal(both, confused)).message).toBe('bad signature');
  });

  it('answers UNAUTHENTICATED, not a crash, when the JWKS server is down', async () => {
    const k1 = await rsaKey('k1');
    const down = await jwksServer();
    const url = down.url;
    await down.close();
    const verifier = createJwtVerifier({ jwksUrl: url, jwksTimeoutMs: 500 });
    const r = await refusal(
      verifier,
      await rs256(k1.privateKey, 'k1', { sub: 's', role: 'admin' }),
    );
    expect(r.code).toBe('UNAUTHENTICATED');
    expect(r.reason).toBe('jwks_unavailable');
    expect(r.message).toMatch(/^JWKS unavailable: /);
  });

  it('answers UNAUTHENTICATED when the JWKS server hangs past the timeout', async () => {
    const k1 = await rsaKey('k1');
    const sockets = new Set<import('node:net').Socket>();
    const hang = createServer(() => undefined); // never answers
    hang.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const { port } = hang.address() as AddressInfo;
    try {
      const verifier = createJwtVerifier({
        jwksUrl: `http://127.0.0.1:${port}/jwks`,
        jwksTimeoutMs: 200,
      });
      const r = await refusal(
        verifier,
        await rs256(k1.privateKey, 'k1', { sub: 's', role: 'admin' }),
      );
      expect(r).toMatchObject({
        reason: 'jwks_unavailable',
        message: 'JWKS unavailable: timed out',
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => hang.close(() => resolve()));
    }
  });
});
