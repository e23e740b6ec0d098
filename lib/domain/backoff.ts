/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and
 * Jitter"): a random delay in [0, min(max, base * 2^attempt)], so many clients cut off at the
 * same moment do not reconnect in lock-step. `attempt` counts failures since the last success,
 * from 0. `random` is injected (returns [0, 1)) so callers and tests decide the source.
 */
export function backoffDelay(
  attempt: number,
  opts: { readonly baseMs: number; readonly maxMs: number },
  random: () => number,
): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
