/**
 * Fake market-data providers for tests: local WebSocket servers speaking the Binance,
 * Coinbase, Finnhub, Alpaca and Polygon protocols (see /work/shared/feeds for the shapes), and
 * a local HTTP server for their REST ticker endpoints, with fault injection.
 */
import { alpacaSpec } from './alpaca';
import { binanceSpec } from './binance';
import { coinbaseSpec } from './coinbase';
import { finnhubSpec } from './finnhub';
import { polygonSpec } from './polygon';
import { startProvider, type ProviderSpec } from './server';
import type { FakeProvider, FakeProviderOptions, ProviderKind } from './types';

export type {
  ConnectionInfo,
  FakeProvider,
  FakeProviderOptions,
  FakeRest,
  FakeRestOptions,
  ProviderKind,
  SentFrame,
} from './types';
export { startFakeRest } from './rest';
export { COINBASE_PRODUCTS } from './coinbase';

const SPECS: Readonly<Record<ProviderKind, ProviderSpec>> = {
  binance: binanceSpec,
  coinbase: coinbaseSpec,
  finnhub: finnhubSpec,
  alpaca: alpacaSpec,
  polygon: polygonSpec,
};

/** Starts a fake provider on 127.0.0.1 and a free port; `close()` it when done. */
export function startFakeProvider(
  kind: ProviderKind,
  opts: FakeProviderOptions = {},
): Promise<FakeProvider> {
  return startProvider(SPECS[kind], opts);
}
