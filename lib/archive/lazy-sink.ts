import type { Config } from '../config';
import { createArchiveSink } from './create-sink';
import type { ArchiveSink } from './sink';

/** The sink opened on first use (a worker that never archives never connects to PostgreSQL). */
export interface LazyArchiveSink {
  get(): Promise<ArchiveSink>;
  close(): Promise<void>;
}

export function lazyArchiveSink(
  config: Config,
  sectors: ReadonlyMap<string, string>,
): LazyArchiveSink {
  let sink: Promise<ArchiveSink> | undefined;
  return {
    get() {
      sink ??= createArchiveSink(config, sectors).catch((err: unknown) => {
        sink = undefined; // try again on the next call (PostgreSQL may come up later)
        throw err;
      });
      return sink;
    },
    async close() {
      const s = sink;
      sink = undefined;
      if (s) await (await s.catch(() => undefined))?.close();
    },
  };
}
