import type { FeedAdapter } from './adapter';
import { simulatorAdapter } from './simulator';

export * from './adapter';
export * from './simulator';

const adapters: ReadonlyMap<string, FeedAdapter> = new Map([
  [simulatorAdapter.name, simulatorAdapter],
]);

/** Names of the adapters an `ingestFeed` workflow may use. */
export const adapterNames = [...adapters.keys()];

/** Looks an adapter up by name; undefined if there is none. */
export function findAdapter(name: string): FeedAdapter | undefined {
  return adapters.get(name);
}
