import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { stopLegacyPipeline } from '../clients';
import { loadConfig } from '../lib/config';
import { createRedis, keysOf, migrateToPartitions } from '../lib/redis';

const USAGE = `usage: npm run migrate -- partitions [--json]
  moves the data of the single-stream layout (raw:events, normalized:events, quotes:latest:<T>, ...)
  to PIPELINE_PARTITIONS partitions, after terminating the old \`pipeline\` workflow if it runs;
  a second run does nothing (see docs/pipeline.md, "Migrating from one stream")`;

/** A mistake in the command line: usage on stderr, exit 2. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [what, ...rest] = positionals;
  if (what !== 'partitions')
    throw new UsageError(what ? `unknown migration ${what}` : 'no migration named');
  if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);

  const config = loadConfig();
  const connection = await Connection.connect({ address: config.temporal.address });
  const redis = createRedis(config.redis, { maxRetriesPerRequest: 3 });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const stopped = await stopLegacyPipeline(client, config);
    const report = await migrateToPartitions(redis, keysOf(config));
    const out = {
      ...report,
      legacyPipelineStopped: stopped,
      partitions: config.pipeline.partitions,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else if (!report.migrated)
      process.stdout.write('nothing to migrate: no single-stream data left\n');
    else {
      process.stdout.write(
        `migrated to ${config.pipeline.partitions} partitions: ${report.raw} raw events to normalize, ${report.normalized} ticks, ${report.anomalies} anomalies, ${report.deadLetters} dead letters, ${report.failedBatches} failed batches, ${report.quotes} latest quotes\n`,
      );
      if (report.kept.length > 0) {
        process.stdout.write(
          `kept ${report.kept.join(', ')}: failed batches refer to their entries; replay them, then delete these keys\n`,
        );
      }
    }
  } finally {
    redis.disconnect();
    await connection.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
