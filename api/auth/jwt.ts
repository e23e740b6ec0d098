import { createSecretKey, type KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import type { GraphQLError } from 'graphql';
import { unauthenticated } from './errors';
import { isRole, roleAtLeast, type Principal, type Role } from './principal';

/** Options of {@link createJwtVerifier}; at least one of `secret` and `jwksUrl`. */
export interface JwtVerifierOptions {
  /** HS256 shared secret (32+ characters). */
  readonly secret?: string | undefined;
  /** RS256 public keys as a JWKS document. */
  readonly jwksUrl?: string | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
  /** @defaultValue 'role' */
  readonly roleClaim?: string;
  /** Seconds of leeway for `exp`, `nbf` and `iat` (clocks of issuer and API differ). @defaultValue 5 */
  readonly clockToleranceSec?: number;
  /**
   * Refuse tokens without `exp`: a leaked token that never expires is valid forever.
   * @defaultValue true
   */
  readonly requireExp?: boolean;
  /**
   * Longest lifetime a token may claim, in seconds: `exp − iat`, or `exp − now` (less the
   * clock leeway) for a token without `iat`. 0: no limit. @defaultValue 86400
   */
  readonly maxTtlSec?: number;
  /** How long one JWKS fetch may take. @defaultValue 2000 */
  readonly jwksTimeoutMs?: number;
  /**
   * Least time between two JWKS fetches: a token with an unknown `kid` refetches the set
   * (key rotation), but a flood of such tokens cannot make us hammer the identity provider.
   * @defaultValue 30000
   */
  readonly jwksCooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again. @defaultValue 600000 */
  readonly jwksMaxAgeMs?: number;
}

export interface JwtVerifier {
  /** The principal of a valid token; throws UNAUTHENTICATED with the precise reason otherwise. */
  verify(token: string): Promise<Principal>;
}

/**
 * HS256 with a shared secret and/or RS256 from a JWKS. The algorithm in the token header picks
 * the key source and each source accepts exactly one algorithm, so neither `none` nor an
 * HS256 token "signed" with the RSA public key (algorithm confusion) can pass.
 */
export function createJwtVerifier(opts: JwtVerifierOptions): JwtVerifier {
  if (opts.secret === undefined && opts.jwksUrl === undefined) {
    throw new Error('createJwtVerifier needs a secret or a jwksUrl');
  }
  const roleClaim = opts.roleClaim ?? 'role';
  const lifetime: LifetimeRules = {
    toleranceSec: opts.clockToleranceSec ?? 5,
    requireExp: opts.requireExp ?? true,
    maxTtlSec: opts.maxTtlSec ?? 86_400,
  };
  const common: JWTVerifyOptions = {
    clockTolerance: lifetime.toleranceSec,
    ...(opts.issuer !== undefined && { issuer: opts.issuer }),
    ...(opts.audience !== undefined && { audience: opts.audience }),
  };
  // A KeyObject made once: jose would otherwise import the raw secret on every call.
  const secret: KeyObject | undefined =
    opts.secret === undefined ? undefined : createSecretKey(Buffer.from(opts.secret, 'utf8'));
  const jwks: JWTVerifyGetKey | undefined =
    opts.jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(opts.jwksUrl), {
          timeoutDuration: opts.jwksTimeoutMs ?? 2000,
          cooldownDuration: opts.jwksCooldownMs ?? 30_000,
          cacheMaxAge: opts.jwksMaxAgeMs ?? 600_000,
        });

  return {
    async verify(token) {
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw unauthenticated('malformed', 'malformed token');
      }
      let payload: JWTPayload;
      if (alg === 'HS256' && secret) {
        payload = await verifyWith(token, secret, { ...common, algorithms: ['HS256'] }, false);
      } else if (alg === 'RS256' && jwks) {
        payload = await verifyWith(token, jwks, { ...common, algorithms: ['RS256'] }, true);
      } else if (alg === 'HS256' || alg === 'RS256') {
        throw unauthenticated(
          'not_configured',
          `${alg} tokens are not accepted: ${alg === 'HS256' ? 'API_JWT_SECRET' : 'API_JWT_JWKS_URL'} is not set`,
        );
      } else {
        throw unauthenticated('algorithm', `algorithm ${String(alg)} is not allowed`);
      }
      checkLifetime(payload, lifetime, Math.floor(Date.now() / 1000));
      return principalOf(payload, roleClaim);
    },
  };
}

/** What {@link checkLifetime} holds a token to. */
export interface LifetimeRules {
  readonly toleranceSec: number;
  readonly requireExp: boolean;
  /** 0: no limit. */
  readonly maxTtlSec: number;
}

/**
 * The checks jose leaves to us (it has already checked `exp` and `nbf` against the clock,
 * and the claims' types): `exp` present, a lifetime within the maximum, and `iat` not in the
 * future beyond the leeway (a token "issued" later than now comes from a wrong clock or a
 * forger who wants a longer life).
 */
export function checkLifetime(payload: JWTPayload, rules: LifetimeRules, nowSec: number): void {
  const { exp, iat } = payload;
  if (iat !== undefined && iat > nowSec + rules.toleranceSec) {
    throw unauthenticated('not_yet_valid', 'token issued in the future');
  }
  if (exp === undefined) {
    if (rules.requireExp) throw unauthenticated('claims', 'token has no exp claim');
    return;
  }
  if (rules.maxTtlSec <= 0) return;
  // Without iat, the time left is what can be checked; the issuer's clock may run ahead by the leeway.
  const ttl = iat !== undefined ? exp - iat : exp - nowSec - rules.toleranceSec;
  if (ttl > rules.maxTtlSec) {
    throw unauthenticated(
      'claims',
      `token lifetime ${ttl} s exceeds the maximum of ${rules.maxTtlSec} s`,
    );
  }
}

async function verifyWith(
  token: string,
  key: KeyObject | JWTVerifyGetKey,
  options: JWTVerifyOptions,
  remote: boolean,
): Promise<JWTPayload> {
  try {
    // Two calls because jose's overloads tell a key from a key getter by type.
    const result =
      typeof key === 'function'
        ? await jwtVerify(token, key, options)
        : await jwtVerify(token, key, options);
    return result.payload;
  } catch (err) {
    throw joseError(err, remote);
  }
}

/** jose's errors, by their stable `code`, as precise UNAUTHENTICATED errors. */
function joseError(err: unknown, remote: boolean): GraphQLError {
  const { code, claim } = (err ?? {}) as { code?: unknown; claim?: unknown };
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return unauthenticated('expired', 'token expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf') return unauthenticated('not_yet_valid', 'token not yet valid');
      if (claim === 'iss') return unauthenticated('claims', 'wrong token issuer');
      if (claim === 'aud') return unauthenticated('claims', 'wrong token audience');
      return unauthenticated('claims', `invalid ${String(claim)} claim: ${message}`);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return unauthenticated('bad_signature', 'bad signature');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return unauthenticated('bad_signature', 'bad signature: no JWKS key matches the token');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return unauthenticated('algorithm', 'algorithm not allowed');
    case 'ERR_JWKS_TIMEOUT':
      return unauthenticated('jwks_unavailable', 'JWKS unavailable: timed out');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return unauthenticated('malformed', 'malformed token');
  }
  // Anything else on the JWKS path is the fetch: refused, not 200, not a key set.
  return remote
    ? unauthenticated('jwks_unavailable', `JWKS unavailable: ${message}`)
    : unauthenticated('malformed', 'malformed token');
}

/**
 * Subject from `sub`, role from the role claim: a string, or an array of strings of which the
 * highest known role counts (identity providers often send role lists). Unknown roles are
 * refused rather than mapped to viewer, so a typo in the IdP shows up at once.
 */
export function principalOf(payload: JWTPayload, roleClaim: string): Principal {
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw unauthenticated('claims', 'token has no sub claim');
  }
  const value = payload[roleClaim];
  if (value === undefined || value === null) {
    throw unauthenticated('missing_role', `token has no ${roleClaim} claim`);
  }
  const candidates = Array.isArray(value) ? (value as unknown[]) : [value];
  let role: Role | undefined;
  for (const c of candidates) {
    if (isRole(c) && (role === undefined || roleAtLeast(c, role))) role = c;
  }
  if (role === undefined) {
    throw unauthenticated('unknown_role', `unknown role ${JSON.stringify(value)}`);
  }
  return { subject: payload.sub, role, via: 'jwt' };
}
