import type { ApiKeyStore } from './api-key-store';
import { extractCredential, type HeadersLike } from './credentials';
import { authFailureReason, unauthenticated } from './errors';
import type { JwtVerifier } from './jwt';
import type { AuthMetrics } from './metrics';
import type { Principal, Role } from './principal';

export interface AuthenticatorOptions {
  /**
   * `required`: every request needs valid credentials. `dev`: a request without any acts as
   * `{ subject: 'dev', role: devRole, via: 'dev' }`; credentials that are sent are still
   * verified, so a client's bad token fails in dev as it would in production.
   */
  readonly mode: 'dev' | 'required';
  /** @defaultValue 'admin' */
  readonly devRole?: Role;
  /** Absent: JWTs are refused (API keys alone are a valid setup). */
  readonly jwt?: JwtVerifier | undefined;
  readonly apiKeys: ApiKeyStore;
  readonly metrics?: AuthMetrics;
}

export interface Authenticator {
  readonly mode: 'dev' | 'required';
  /**
   * The principal of an HTTP request (its headers) or of a graphql-ws connection (its
   * `connectionParams`, with the upgrade request's headers as a fallback). Throws a
   * GraphQLError with code UNAUTHENTICATED and a precise message.
   */
  authenticate(
    headers: HeadersLike | undefined,
    connectionParams?: Readonly<Record<string, unknown>> | null,
  ): Promise<Principal>;
}

export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const dev: Principal = { subject: 'dev', role: opts.devRole ?? 'admin', via: 'dev' };
  const verify = async (
    headers: HeadersLike | undefined,
    connectionParams?: Readonly<Record<string, unknown>> | null,
  ): Promise<Principal> => {
    const credential = extractCredential(headers, connectionParams);
    if (!credential) {
      if (opts.mode === 'dev') return dev;
      throw unauthenticated('no_credentials', 'no credentials');
    }
    if (credential.kind === 'api-key') return opts.apiKeys.verifyApiKey(credential.key);
    if (!opts.jwt) throw unauthenticated('not_configured', 'JWT authentication is not configured');
    return opts.jwt.verify(credential.token);
  };
  return {
    mode: opts.mode,
    async authenticate(headers, connectionParams) {
      try {
        return await verify(headers, connectionParams);
      } catch (err) {
        const reason = authFailureReason(err);
        if (reason) opts.metrics?.failures.inc({ reason });
        throw err;
      }
    },
  };
}
