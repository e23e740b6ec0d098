import {
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';

/**
 * Trace context carried with the data: a W3C `traceparent` (version 00) in a stream entry or
 * a pub/sub message, written only for sampled events, so a reader links its own span to the
 * span that wrote the entry.
 */

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span's `traceparent` when it is sampled; undefined otherwise (nothing to carry). */
export function traceparentOf(span: Span): string | undefined {
  const c = span.spanContext();
  if ((c.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  return `00-${c.traceId}-${c.spanId}-01`;
}

/** The remote span context a `traceparent` names; undefined for anything else (never throws). */
export function spanContextOf(traceparent: string | undefined): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  const m = TRACEPARENT.exec(traceparent);
  if (!m) return undefined;
  return {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: parseInt(m[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
}

/** Links to the distinct span contexts of these `traceparent`s (invalid ones are skipped). */
export function linksTo(traceparents: Iterable<string>): Link[] {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const tp of traceparents) {
    const c = spanContextOf(tp);
    if (!c || seen.has(tp)) continue;
    seen.add(tp);
    links.push({ context: c });
  }
  return links;
}

/**
 * The context whose parent is the span a `traceparent` names (a root context when it names
 * none): where a reader's span continues the writer's trace.
 */
export function contextFrom(traceparent: string | undefined): Context {
  const c = spanContextOf(traceparent);
  return c ? trace.setSpanContext(ROOT_CONTEXT, c) : ROOT_CONTEXT;
}
