import { loadConfig, reportStartupError } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { createRegistry } from '../lib/metrics';
import { onShutdownSignals } from '../lib/shutdown';
import { timeBasedFirstSeq } from './market';
import { createSimulator } from './server';
import { answerHelp } from '../lib/cli';

let logger: Logger | undefined;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, name: 'simulator' });
  logger = log;
  // A restart (same seed, same tape) must not reuse the ids of the run before it.
  const firstSeq = timeBasedFirstSeq(Date.now());
  const sim = createSimulator({
    config: config.simulator,
    logger: log,
    registry: createRegistry('simulator'),
    firstSeq,
  });

  onShutdownSignals(() => sim.stop(), {
    logger: log,
    timeoutMs: config.processes.shutdownTimeoutMs,
  });

  const { url, port } = await sim.start();
  log.info(
    {
      url,
      port,
      eventsPerSecond: config.simulator.eventsPerSecond,
      seed: config.simulator.seed,
      firstSeq,
    },
    'simulator listening',
  );
}

answerHelp(
  'simulator',
  `usage: npm run simulator
  the market simulator: WebSocket feed and HTTP control API on SIMULATOR_HOST:SIMULATOR_PORT;
  configuration from the environment (docs/configuration.md)`,
);
main().catch((err: unknown) => {
  // A ConfigError arrives before the configured logger exists.
  const log = logger ?? createLogger({ level: 'info', name: 'simulator' });
  reportStartupError(err, 'simulator failed to start', log);
  process.exit(1);
});
