/**
 * The names that may become part of a Redis key, each with its one rule.
 */

/**
 * The one rule for a ticker, shared by the edge (adapters, normalization) and the API's
 * arguments: whatever passes it may become part of a Redis key (`quotes:latest:<TICKER>`), a
 * row of the `quotes` list and a GraphQL value, so nothing else may.
 *
 * 1–32 characters of `A-Z a-z 0-9 . : / _ -`, enough for every real spelling (`BRK.A`,
 * `BRK/A`, `BTC-USD`, `BINANCE:BTCUSDT`, `.SPX`, `/ES`), and never `..`: no exchange uses it,
 * and it is the path-traversal segment of anyone who puts tickers in paths or URLs.
 */
export const TICKER_PATTERN = /^(?!.*\.\.)[A-Za-z0-9.:/_-]{1,32}$/;

/** {@link TICKER_PATTERN} in words, for error messages and dead-letter reasons. */
export const TICKER_RULE = '1-32 characters of A-Z a-z 0-9 . : / _ - without ".."';

/**
 * The canonical form of a ticker (upper case), or undefined when `input` does not follow
 * {@link TICKER_PATTERN}. The rule is checked before upper-casing: Unicode case mapping can
 * turn a character outside the rule into ASCII (`'ﬀ'.toUpperCase()` is `'FF'`).
 */
export function canonicalTicker(input: unknown): string | undefined {
  return typeof input === 'string' && TICKER_PATTERN.test(input) ? input.toUpperCase() : undefined;
}

/**
 * A feed name: its workflow id is `feed-<name>`, and its events' de-duplication sets are
 * `dedupe:<name>:<bucket>`. Also the form of credential-set names.
 */
export const FEED_NAME_PATTERN = /^[\w.-]{1,64}$/;
