import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { bootstrapWorkflows } from '../clients';
import { answerHelp } from '../lib/cli';

/**
 * Creates (or updates) the nightly archive Schedule and starts the simulator feed and the
 * pipeline unless they run. Idempotent: docker-compose's `init` service runs it at every up.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'schedules' });
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    logger.info(await bootstrapWorkflows(client, config), 'workflows ready');
  } finally {
    await connection.close();
  }
}

answerHelp(
  'schedules',
  `usage: npm run schedules
  creates or updates the nightly archive Schedule and starts the simulator feed and the pipeline
  unless they run (idempotent); configuration from the environment (docs/configuration.md)`,
);
main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
