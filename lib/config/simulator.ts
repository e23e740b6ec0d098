import { int, num, port, section, setting, text } from './setting';

/** The market simulator (WebSocket feed and HTTP control API). */
export const simulator = section('Simulator', {
  host: setting(
    'SIMULATOR_HOST',
    text('127.0.0.1'),
    'address of the simulator WebSocket and control API',
  ),
  port: setting('SIMULATOR_PORT', port(8090), 'port of the simulator WebSocket and control API'),
  eventsPerSecond: setting(
    'SIMULATOR_EVENTS_PER_SECOND',
    num(200, 0, 10_000_000),
    'simulated events per second (10,000,000: flat out)',
  ),
  spikeProbability: setting(
    'SIMULATOR_SPIKE_PROBABILITY',
    num(0.0005, 0, 1),
    'probability of a random price spike per trade',
  ),
  spikePct: setting('SIMULATOR_SPIKE_PCT', num(8, 0.01, 1000), 'size of a random spike, in %'),
  seed: setting('SIMULATOR_SEED', int(42, 0), 'seed of the random walk'),
});
