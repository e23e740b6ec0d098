import { Counter, Gauge, type Registry } from 'prom-client';

/** The simulator's own metrics, registered on the process registry. */
export interface SimulatorMetrics {
  readonly events: Counter<'kind'>;
  readonly frames: Counter;
  readonly spikes: Counter;
  readonly backpressureWaits: Counter;
  readonly clients: Gauge;
}

/** Registers the simulator's metrics on `registry`; call once per registry. */
export function createSimulatorMetrics(registry: Registry): SimulatorMetrics {
  const registers = [registry];
  return {
    events: new Counter({
      name: 'finline_simulator_events_generated_total',
      help: 'Market events generated, by kind (trade, quote)',
      labelNames: ['kind'],
      registers,
    }),
    frames: new Counter({
      name: 'finline_simulator_frames_sent_total',
      help: 'WebSocket frames sent, counted once per client',
      registers,
    }),
    spikes: new Counter({
      name: 'finline_simulator_spikes_total',
      help: 'Price spikes emitted, random and requested',
      registers,
    }),
    backpressureWaits: new Counter({
      name: 'finline_simulator_backpressure_waits_total',
      help: 'Times generation paused because a client had too much unsent data',
      registers,
    }),
    clients: new Gauge({
      name: 'finline_simulator_connected_clients',
      help: 'WebSocket clients connected',
      registers,
    }),
  };
}
