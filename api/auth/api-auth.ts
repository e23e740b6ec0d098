import type { Registry } from 'prom-client';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import type { Keys, Redis } from '../../lib/redis';
import { createApiKeyStore, type ApiKeyStore } from './api-key-store';
import { createAuditLog, type AuditLog } from './audit';
import { createAuthenticator, type Authenticator } from './authenticate';
import { createJwtVerifier } from './jwt';
import { createAuthMetrics } from './metrics';
import type { Principal } from './principal';

export interface ApiAuthDeps {
  readonly config: Config;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly registry: Registry;
  readonly logger: Logger;
}

/** The auth layer built from the configuration: what `createApp` wires in. */
export interface ApiAuth {
  readonly authenticator: Authenticator;
  readonly apiKeys: ApiKeyStore;
  readonly audit: AuditLog;
  /**
   * The principal of an HTTP request, computed once per Request and shared by every caller
   * (the rate-limit plugin, then the context factory). Rejects with UNAUTHENTICATED.
   */
  readonly principalFor: (request: Request) => Promise<Principal>;
  /**
   * The rate-limit identity of a request: `key:<id>` for an API key, `sub:<subject>` for a JWT,
   * else `ip:<remote address>` (no credentials in dev mode, or credentials that failed, so
   * guessing is limited too). Matches {@link RateLimitOptions.identify}.
   */
  readonly clientId: (request: Request, serverContext: unknown) => Promise<string>;
}

export function createApiAuth(deps: ApiAuthDeps): ApiAuth {
  const { config, redis, keys, registry } = deps;
  const log = deps.logger.child({ module: 'auth' });
  const { auth } = config.api;
  const metrics = createAuthMetrics(registry);
  const apiKeys = createApiKeyStore({
    redis,
    keys,
    cacheMs: auth.apiKeyCacheMs,
    onTouchError: (err) => log.warn({ err }, 'could not record API key use'),
  });
  const { jwt } = auth;
  const authenticator = createAuthenticator({
    mode: auth.mode,
    devRole: auth.devRole,
    apiKeys,
    metrics,
    jwt:
      jwt.secret !== undefined || jwt.jwksUrl !== undefined
        ? createJwtVerifier({
            secret: jwt.secret,
            jwksUrl: jwt.jwksUrl,
            issuer: jwt.issuer,
            audience: jwt.audience,
            roleClaim: jwt.roleClaim,
            clockToleranceSec: jwt.clockToleranceSec,
            requireExp: jwt.requireExp,
            maxTtlSec: jwt.maxTtlSec,
            jwksTimeoutMs: jwt.jwksTimeoutMs,
          })
        : undefined,
  });
  if (auth.mode === 'dev') {
    // Explicit API_AUTH_MODE=dev is allowed anywhere, but must never go unnoticed outside development.
    const level = config.env === 'production' ? 'warn' : 'info';
    log[level](
      { devRole: auth.devRole },
      'auth in dev mode: requests without credentials are allowed',
    );
  }
  const audit = createAuditLog({ redis, keys, maxLen: auth.auditMaxLen, logger: log, metrics });

  const principals = new WeakMap<Request, Promise<Principal>>();
  const principalFor = (request: Request): Promise<Principal> => {
    let p = principals.get(request);
    if (!p) {
      p = authenticator.authenticate(request.headers);
      // Observed here so a failure nobody awaits yet is not an unhandled rejection.
      p.catch(() => undefined);
      principals.set(request, p);
    }
    return p;
  };

  return {
    authenticator,
    apiKeys,
    audit,
    principalFor,
    async clientId(request, serverContext) {
      let principal: Principal | undefined;
      try {
        principal = await principalFor(request);
      } catch {
        // Refused credentials are limited by address; the context factory reports the error.
      }
      return rateLimitClientId(principal, remoteAddress(serverContext));
    },
  };
}

/**
 * Whom a request counts against: `key:<id>` for an API key, `sub:<subject>` for a JWT, else
 * `ip:<address>` (dev-mode requests without credentials, refused credentials). Exported for
 * graphql-ws, where the caller has the connection's principal and socket address.
 */
export function rateLimitClientId(principal: Principal | undefined, address: string): string {
  if (principal?.via === 'api-key' && principal.keyId) return `key:${principal.keyId}`;
  if (principal?.via === 'jwt') return `sub:${principal.subject}`;
  return `ip:${address}`;
}

/**
 * The peer address of a request served by Node's http server (Yoga's server context holds
 * `req`). X-Forwarded-For is not trusted: behind a proxy, every client would share its
 * address until a trusted-proxy setting exists.
 */
export function remoteAddress(serverContext: unknown): string {
  const req = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req;
  return req?.socket?.remoteAddress ?? 'unknown';
}
