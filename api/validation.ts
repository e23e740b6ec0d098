import { FEED_NAME_PATTERN } from '../contract';
import { canonicalTicker, TICKER_RULE } from '../lib/domain/names';
import { ERROR_CODES, badUserInput, userError } from './errors';

/**
 * Validates a ticker argument and returns it upper-cased, the form the cache keys use: the
 * same rule as the edge's (lib/domain `canonicalTicker`), so the API finds what was stored.
 */
export function parseTicker(value: string, argumentName = 'ticker'): string {
  const ticker = canonicalTicker(value);
  if (ticker === undefined) throw badUserInput(argumentName, `must be ${TICKER_RULE}`);
  return ticker;
}

/** Validates a feed (venue) name argument; feed names are case-sensitive. */
export function parseFeed(value: string, argumentName = 'feed'): string {
  if (!FEED_NAME_PATTERN.test(value)) {
    throw badUserInput(argumentName, 'must be 1-64 characters of a-z A-Z 0-9 . _ -');
  }
  return value;
}

/**
 * Validates a page size: 1..max; absent or null is the list's default, capped at the max (the
 * schema declares no default so that a smaller configured maximum still works).
 */
export function parseFirst(
  value: number | null | undefined,
  max: number,
  fallback: number,
  argumentName = 'first',
): number {
  const first = value ?? Math.min(fallback, max);
  if (!Number.isInteger(first) || first < 1) {
    throw badUserInput(argumentName, `must be a positive integer`);
  }
  if (first > max) {
    throw userError(
      ERROR_CODES.PAGE_SIZE_EXCEEDED,
      `Invalid argument "${argumentName}": at most ${max} items per page (asked for ${first})`,
      { argumentName, max },
    );
  }
  return first;
}

/** A time range whose bounds are ms since epoch; either may be open. */
export interface TimeRange {
  readonly from: number | undefined;
  readonly to: number | undefined;
}

/** Checks that a range is not inverted (the scalars already parsed the bounds). */
export function checkRange(
  from: number | null | undefined,
  to: number | null | undefined,
  names: readonly [string, string],
): TimeRange {
  if (from != null && to != null && from > to) {
    throw userError(
      ERROR_CODES.BAD_RANGE,
      `"${names[0]}" (${new Date(from).toISOString()}) is after "${names[1]}" (${new Date(to).toISOString()})`,
      { arguments: names },
    );
  }
  return { from: from ?? undefined, to: to ?? undefined };
}
