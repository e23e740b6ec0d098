import { createGraphQLError } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';

/** Error code for arguments that are well-typed but out of range, as Apollo clients expect. */
export const BAD_USER_INPUT = 'BAD_USER_INPUT';

/**
 * A client error that survives error masking: GraphQLErrors created here reach the client
 * with their message and `extensions.code`, while anything else is masked.
 */
export function badUserInput(argumentName: string, message: string): GraphQLError {
  return createGraphQLError(`Invalid argument "${argumentName}": ${message}`, {
    extensions: { code: BAD_USER_INPUT, argumentName },
  });
}

const TICKER = /^[A-Za-z0-9.:/_-]{1,32}$/;

/** Validates a ticker argument and returns it upper-cased, the form the cache keys use. */
export function parseTicker(value: string, argumentName = 'ticker'): string {
  if (!TICKER.test(value)) {
    throw badUserInput(argumentName, 'must be 1-32 characters of A-Z a-z 0-9 . : / _ -');
  }
  return value.toUpperCase();
}

/** Bounds of a list `limit` argument; the upper bound caps one Redis reply. */
export interface LimitBounds {
  readonly min: number;
  readonly max: number;
  /** Used when the client passes an explicit null. */
  readonly fallback: number;
}

/** Validates a list `limit` argument. */
export function parseLimit(
  value: number | null | undefined,
  bounds: LimitBounds,
  argumentName = 'limit',
): number {
  const limit = value ?? bounds.fallback;
  if (!Number.isInteger(limit) || limit < bounds.min || limit > bounds.max) {
    throw badUserInput(argumentName, `must be an integer from ${bounds.min} to ${bounds.max}`);
  }
  return limit;
}
