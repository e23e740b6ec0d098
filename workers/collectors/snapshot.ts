import { withTimeout } from '../../lib/readiness';

/**
 * A value read on scrape, shared: every gauge of a collector awaits the same read, concurrent
 * scrapes share one in flight, and a read younger than `maxAgeMs` is served again, so a
 * collector's cost per scrape is one read whatever the number of scrapers. A read that fails
 * or takes longer than `timeoutMs` gives undefined: the scrape goes on without its samples.
 */
export function sharedSnapshot<T>(
  read: () => Promise<T>,
  opts: { maxAgeMs: number; timeoutMs: number; onError: (err: unknown) => void },
): () => Promise<T | undefined> {
  let last: { at: number; value: Promise<T | undefined> } | undefined;
  return () => {
    const now = Date.now();
    if (last && now - last.at < opts.maxAgeMs) return last.value;
    const value = withTimeout(
      read().catch((err: unknown) => {
        opts.onError(err);
        return undefined;
      }),
      opts.timeoutMs,
      undefined,
    );
    last = { at: now, value };
    return value;
  };
}
