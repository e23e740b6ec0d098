import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { LatestQuote } from '../../lib/redis';
import { ATTR, contextFrom, REDIS_MESSAGING, tracer, tracingOn } from '../../lib/tracing';

/**
 * Runs the fan-out of one quote message inside a `process <channel>` consumer span, the child
 * of the cachepub chunk that published it, when the message carries a trace context (a sampled
 * event) and tracing is on; otherwise just runs it.
 */
export function withQuoteMessageSpan(channel: string, quote: LatestQuote, run: () => void): void {
  if (quote.traceparent === undefined || !tracingOn()) return run();
  const span = tracer().startSpan(
    `process ${channel}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [ATTR.messagingSystem]: REDIS_MESSAGING,
        [ATTR.messagingOperationType]: 'process',
        [ATTR.messagingDestination]: channel,
        [ATTR.ticker]: quote.ticker,
        [ATTR.feed]: quote.feed,
      },
    },
    contextFrom(quote.traceparent),
  );
  try {
    context.with(trace.setSpan(context.active(), span), run);
  } finally {
    span.end();
  }
}

/**
 * A `deliver <field>` span for one subscription's item, when it is part of a recorded trace
 * (inside {@link withQuoteMessageSpan}); it ends when the subscriber took the item (`taken`
 * resolved) or it was dropped (`taken` undefined: a slow subscriber cut off).
 */
export function traceDelivery(
  field: string,
  traced: boolean,
  taken: () => Promise<unknown> | undefined,
): void {
  const parent = traced && tracingOn() ? trace.getSpan(context.active()) : undefined;
  if (!parent?.isRecording()) {
    void taken();
    return;
  }
  const span: Span = tracer().startSpan(`deliver ${field}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      [ATTR.graphqlOperationType]: 'subscription',
      [ATTR.messagingOperationType]: 'send',
      [ATTR.messagingDestination]: field,
    },
  });
  const p = taken();
  if (!p) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'subscriber cut off' });
    span.end();
    return;
  }
  void p.then(() => span.end());
}
