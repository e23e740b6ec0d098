import type { Config } from '../lib/config';
import { hostPort } from '../lib/devstack';
import { pipelineWorkflowId } from '../contract';

/** What a stack runs beyond one of each process (`npm run start:cluster`). */
export interface StackShape {
  /** Ports of the API processes. @defaultValue [API_PORT] */
  readonly apiPorts?: readonly number[];
  /** Metrics ports of the worker processes. @defaultValue [WORKER_METRICS_PORT] */
  readonly workerPorts?: readonly number[];
  /** A line on the Temporal server, e.g. its version and store. */
  readonly temporal?: string;
}

/** Prints the URLs of a running stack, as `npm start` and `npm run start:cluster` end. */
export function printUrls(config: Config, logDir: string, shape: StackShape = {}): void {
  const apiPorts = shape.apiPorts ?? [config.api.port];
  const workerPorts = shape.workerPorts ?? [config.worker.metricsPort];
  const api = (port: number) => `http://${config.api.host}:${port}`;
  const ui = `http://${hostPort(config.temporal.address).host}:${config.temporal.uiPort}`;
  const ns = config.temporal.namespace;
  const lines = [
    '',
    'fin-line is running, supervised: a process that dies is restarted (see the log). Ctrl-C stops what this command started.',
    '',
    `  Temporal UI     ${ui}/namespaces/${ns}/workflows`,
    `  Pipelines       ${pipelineWorkflowId(config.pipeline.workflowId, 0)}${config.pipeline.partitions > 1 ? ` … ${pipelineWorkflowId(config.pipeline.workflowId, config.pipeline.partitions - 1)}` : ''} (PIPELINE_PARTITIONS=${config.pipeline.partitions}; ${config.redis.clusterNodes ? `Redis Cluster ${config.redis.clusterNodes.join(',')}` : config.redis.url})`,
    ...(shape.temporal ? [`  Temporal        ${shape.temporal}`] : []),
    `  Console         ${apiPorts.map((p) => `${api(p)}/`).join(' ')} (feeds, pipeline, live quotes and anomalies, failed batches)`,
    `  GraphQL         ${apiPorts.map((p) => `${api(p)}/graphql`).join(' ')} (GraphiQL in a browser; subscriptions over SSE and ws)`,
    config.api.auth.mode === 'dev'
      ? `                  auth: dev mode, no credentials needed (acts as ${config.api.auth.devRole}); API keys: npm run api-keys -- create --name me --role operator`
      : `                  auth: required (Authorization: Bearer <JWT> or x-api-key); create a key: npm run api-keys -- create --name me --role operator`,
    `  Metrics         api ${apiPorts.map((p) => `${api(p)}/metrics`).join(' ')}`,
    `                  worker ${workerPorts.map((p) => `http://${config.worker.metricsHost}:${p}/metrics`).join(' ')}`,
    `                  simulator http://${config.simulator.host}:${config.simulator.port}/metrics`,
    `  Simulator       ws://${config.simulator.host}:${config.simulator.port} (POST /spike {"ticker":"AAPL","pct":10})`,
    `  Archive         ${config.archive.sink === 'parquet' ? config.archive.dir : (config.archive.pgUrl ?? '')} (npm run archive -- --help)`,
    `  Logs            ${logDir}/*.log`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
