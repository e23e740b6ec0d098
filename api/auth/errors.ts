import { createGraphQLError } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';

/** No or bad credentials: the client must (re)authenticate. */
export const UNAUTHENTICATED = 'UNAUTHENTICATED';
/** Valid credentials whose role is too low for the operation. */
export const FORBIDDEN = 'FORBIDDEN';

/** Why authentication failed: the `reason` extension and the label of `finline_api_auth_failures_total`. */
export type AuthFailureReason =
  | 'no_credentials'
  | 'malformed'
  | 'unsupported_scheme'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'algorithm'
  | 'claims'
  | 'unknown_role'
  | 'missing_role'
  | 'unknown_key'
  | 'revoked'
  | 'jwks_unavailable'
  | 'not_configured';

/**
 * An authentication failure that survives error masking. The `http` extension (stripped
 * from the body by Yoga) makes a failure raised before execution answer 401.
 */
export function unauthenticated(reason: AuthFailureReason, message: string): GraphQLError {
  return createGraphQLError(message, {
    extensions: {
      code: UNAUTHENTICATED,
      reason,
      http: { status: 401, headers: { 'www-authenticate': 'Bearer' } },
    },
  });
}

/** The reason of an error made by {@link unauthenticated}, else undefined. */
export function authFailureReason(err: unknown): AuthFailureReason | undefined {
  if (typeof err !== 'object' || err === null || !('extensions' in err)) return undefined;
  const ext = (err as GraphQLError).extensions;
  return ext?.code === UNAUTHENTICATED ? (ext.reason as AuthFailureReason) : undefined;
}
