/** The market simulator's public face: the server, the pure market model and its universe. */
export {
  createSimulator,
  type Simulator,
  type SimulatorAddress,
  type SimulatorDeps,
} from './server';
export type { SimulatorControl, SimulatorState } from './control-api';
export type { EmitterLimits } from './emitter';
export {
  Market,
  SEQ_PER_MS,
  timeBasedFirstSeq,
  type GeneratedEvent,
  type LastSent,
  type MarketOptions,
  type MarketStats,
  type SpikeRequest,
  type TickerSnapshot,
} from './market';
export { mulberry32 } from './prng';
export { createSimulatorMetrics, type SimulatorMetrics } from './metrics';
export {
  BASE_PRICES,
  SECTOR_VOLATILITY,
  UNIVERSE,
  buildUniverse,
  type TickerSpec,
} from './universe';
