/**
 * OpenTelemetry tracing: setup and shutdown from the OTEL_* settings, the trace context carried
 * in stream entries and pub/sub messages, span attribute names, Redis command spans.
 */
export {
  startTracing,
  tracingConfigured,
  tracesUrl,
  type Tracing,
  type TracingConfig,
} from './setup';
export { tracer, tracingOn, TRACER_NAME } from './state';
export { contextFrom, linksTo, spanContextOf, traceparentOf } from './trace-context';
export { ATTR, REDIS_MESSAGING } from './attributes';
export { traceRedisCommands } from './redis-spans';
