/**
 * A value read on scrape, shared: every gauge of a collector awaits the same read, concurrent
 * scrapes share one in flight, and a read younger than `maxAgeMs` is served again, so a
 * collector's cost per scrape is one read whatever the number of scrapers. A read that fails
 * or takes longer than `timeoutMs` gives undefined (reported to `onError`): the scrape goes on
 * without its samples.
 */
export function sharedSnapshot<T>(
  read: () => Promise<T>,
  opts: { maxAgeMs: number; timeoutMs: number; onError: (err: unknown) => void },
): () => Promise<T | undefined> {
  let last: { at: number; value: Promise<T | undefined> } | undefined;
  const readBounded = async (): Promise<T | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), opts.timeoutMs);
    });
    try {
      const value = await Promise.race([read(), timeout]);
      if (value !== 'timeout') return value;
      opts.onError(new Error(`no answer within ${opts.timeoutMs} ms`));
    } catch (err) {
      opts.onError(err);
    } finally {
      clearTimeout(timer);
    }
    return undefined;
  };
  return () => {
    const now = Date.now();
    if (last && now - last.at < opts.maxAgeMs) return last.value;
    last = { at: now, value: readBounded() };
    return last.value;
  };
}
