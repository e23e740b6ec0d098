import { Client, type ConnectionLike } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { tracingOn } from '../lib/tracing';

/**
 * A Temporal client of the process: with tracing on (lib/tracing), every start, signal, query
 * and update is a span whose context goes to the workflow in its headers.
 */
export function createTemporalClient(connection: ConnectionLike, namespace: string): Client {
  return new Client({
    connection,
    namespace,
    ...(tracingOn()
      ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } }
      : {}),
  });
}
