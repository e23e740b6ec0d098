import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { createRegistry } from '../lib/metrics';
import { buildWorker } from '../workers/build-worker';
import { benchTracing } from './tracing';

/** A real fin-line worker in the bench process, and a client on the same server. */
export interface BenchWorker {
  readonly client: Client;
  /** Shuts the worker down and closes both connections. */
  stop(): Promise<void>;
}

export async function startBenchWorker(
  config: Config,
  bundle: WorkflowBundle,
  logger: Logger,
): Promise<BenchWorker> {
  const native = await NativeConnection.connect({ address: config.temporal.address });
  const connection = await Connection.connect({ address: config.temporal.address });
  const built = await buildWorker({
    config,
    logger,
    registry: createRegistry('bench'),
    connection: native,
    workflowBundle: bundle,
    tracing: benchTracing(),
  });
  const running = built.worker.run();
  return {
    client: new Client({ connection }),
    async stop() {
      built.shutdown();
      await running;
      await built.close();
      await native.close();
      await connection.close();
    },
  };
}
