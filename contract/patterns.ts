/**
 * Shapes of the names that cross process roles: what a client may send in a workflow input,
 * and what the workflows and activities may rely on.
 */

/** A feed name (its workflow id is `feed-<name>`); also the form of credential-set names. */
export { FEED_NAME_PATTERN } from '../lib/domain/names';

/** A symbol a feed may subscribe to, in the provider's spelling (`BTCUSDT`, `BINANCE:BTCUSDT`). */
export const SYMBOL_PATTERN = /^[A-Za-z0-9:._\-/]{1,40}$/;

/** Most symbols one feed may subscribe to. */
export const MAX_FEED_SYMBOLS = 500;
