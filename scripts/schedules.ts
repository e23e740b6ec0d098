import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { bootstrapWorkflows } from '../clients';

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

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
