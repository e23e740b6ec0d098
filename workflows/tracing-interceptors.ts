/**
 * The workflow interceptors of OpenTelemetry tracing, loaded into the workflow bundle only when
 * the worker traces (workers/build-worker.ts): a span per workflow run, signal, query and
 * update, and the trace context passed on to activities in their headers. Spans leave the
 * sandbox through the worker's `exporter` sink; the interceptors add no command to a workflow's
 * history, so a history replays the same with or without them.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
