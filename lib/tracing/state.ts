import { trace, type Tracer } from '@opentelemetry/api';

/**
 * Whether this process records traces. Checked before any tracing work on a hot path (a feed
 * frame, a chunk, a pub/sub message), so tracing off costs one boolean test there.
 */
let active = false;
/** The tracer of the provider registered last (looked up once, not per span). */
let cached: Tracer | undefined;

/** True once {@link startTracing} started the SDK in this process (until it is shut down). */
export function tracingOn(): boolean {
  return active;
}

/** @internal Set by setup.ts only. */
export function setTracingOn(on: boolean): void {
  active = on;
  cached = undefined;
}

/** The instrumentation scope of fin-line's own spans. */
export const TRACER_NAME = 'fin-line';

/** fin-line's tracer: OpenTelemetry's no-op tracer while tracing is off. */
export function tracer(): Tracer {
  return (cached ??= trace.getTracer(TRACER_NAME));
}
