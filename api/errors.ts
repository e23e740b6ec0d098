import { createGraphQLError } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';

/**
 * Every `extensions.code` the API sends. Errors built here survive yoga's masking (they are
 * GraphQLErrors); anything else reaches the client as "Unexpected error." with no detail.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNKNOWN_TICKER: 'UNKNOWN_TICKER',
  UNKNOWN_FEED: 'UNKNOWN_FEED',
  UNKNOWN_BATCH: 'UNKNOWN_BATCH',
  BAD_CURSOR: 'BAD_CURSOR',
  BAD_RANGE: 'BAD_RANGE',
  PAGE_SIZE_EXCEEDED: 'PAGE_SIZE_EXCEEDED',
  CONFLICT: 'CONFLICT',
  UNAVAILABLE: 'UNAVAILABLE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COSTLY: 'QUERY_TOO_COSTLY',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  QUERY_TOO_LARGE: 'QUERY_TOO_LARGE',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_HASH_MISMATCH: 'PERSISTED_QUERY_HASH_MISMATCH',
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** A client-facing error with a code and optional extra extensions. */
export function userError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return createGraphQLError(message, { extensions: { code, ...extensions } });
}

/** An argument that is well typed but not acceptable. */
export function badUserInput(argumentName: string, message: string): GraphQLError {
  return userError(ERROR_CODES.BAD_USER_INPUT, `Invalid argument "${argumentName}": ${message}`, {
    argumentName,
  });
}
