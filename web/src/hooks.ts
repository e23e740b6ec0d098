import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  /** Fetches now (after an action), without waiting for the next tick. */
  readonly refresh: () => void;
}

/**
 * Calls `load` now and every `everyMs`, one call at a time (a slow answer delays the next
 * rather than stacking requests); keeps the last good data beside the last error.
 */
export function usePoll<T>(
  load: () => Promise<T>,
  everyMs: number,
  deps: unknown[] = [],
): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const kick = useRef<() => void>(() => undefined);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const tick = async () => {
      if (running || stopped) return;
      running = true;
      clearTimeout(timer);
      try {
        const v = await load();
        if (!stopped) {
          setData(v);
          setError(undefined);
        }
      } catch (err) {
        if (!stopped) setError(err instanceof Error ? err.message : String(err));
      } finally {
        running = false;
        if (!stopped) timer = setTimeout(() => void tick(), everyMs);
      }
    };
    kick.current = () => void tick();
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  return { data, error, refresh: () => kick.current() };
}

/** The current time, re-read every `everyMs`, so ages tick on screen. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
