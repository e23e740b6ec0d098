import type { FeedAdapter } from './adapter';
import { alpacaAdapter } from './alpaca';
import { binanceAdapter } from './binance';
import { coinbaseAdapter } from './coinbase';
import { finnhubAdapter } from './finnhub';
import { httpPollAdapter } from './http-poll';
import { polygonAdapter } from './polygon';
import { simulatorAdapter } from './simulator';

export * from './adapter';
export * from './alpaca';
export * from './binance';
export * from './coinbase';
export * from './finnhub';
export * from './http-poll';
export * from './polygon';
export * from './simulator';

const adapters: ReadonlyMap<string, FeedAdapter> = new Map(
  [
    simulatorAdapter,
    binanceAdapter,
    coinbaseAdapter,
    finnhubAdapter,
    alpacaAdapter,
    polygonAdapter,
    httpPollAdapter,
  ].map((a) => [a.name, a]),
);

/** Names of the adapters an `ingestFeed` workflow may use. */
export const adapterNames = [...adapters.keys()];

/** Looks an adapter up by name; undefined if there is none. */
export function findAdapter(name: string): FeedAdapter | undefined {
  return adapters.get(name);
}
