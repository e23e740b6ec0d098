/**
 * Errors that say Redis (or a cluster node) cannot be reached or cannot serve right now, as
 * opposed to errors of the data: an outage is waited out, never counted as a failed attempt.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Replies of a node that is loading, failing over or not yet serving its slots. */
const UNAVAILABLE_REPLY = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY)\b/;

/** ioredis's own messages when it has no usable connection. */
const UNAVAILABLE_MESSAGE =
  /Connection is closed|Stream isn't writeable|Reached the max retries per request|None of startup nodes is available|Failed to refresh slots cache|Cluster isn't ready|Too many Cluster redirections|Command timed out|connect ETIMEDOUT|Connection timeout/i;

/** True when `err` means Redis is unreachable or not serving (retry later), not bad data. */
export function isRedisUnavailable(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (e.name === 'MaxRetriesPerRequestError' || e.name === 'ClusterAllFailedError') return true;
    if (UNAVAILABLE_REPLY.test(e.message) || UNAVAILABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}
