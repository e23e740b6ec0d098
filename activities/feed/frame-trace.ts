import { context, SpanKind, trace, type Span } from '@opentelemetry/api';
import { ATTR, REDIS_MESSAGING, traceparentOf, tracer } from '../../lib/tracing';

/**
 * The trace of one feed frame sampled for tracing: a `receive <feed>` span from the frame's
 * arrival, and per partition its events go to a `send <raw stream>` producer span that lasts
 * until Redis answered the append. The producer span's `traceparent` is stored with each of
 * those events (the raw entry's optional field), where normalization picks the trace up.
 */
export class FrameTrace {
  private readonly sends = new Map<number, { span: Span; traceparent: string }>();

  private constructor(
    private readonly receive: Span,
    private readonly feed: string,
  ) {}

  /** A trace for a frame received at `recvTs`; undefined unless the sampler records it. */
  static start(feed: string, adapter: string, recvTs: number): FrameTrace | undefined {
    const span = tracer().startSpan(`receive ${feed}`, {
      kind: SpanKind.CONSUMER,
      startTime: recvTs,
      root: true,
      attributes: {
        [ATTR.messagingSystem]: adapter,
        [ATTR.messagingOperationType]: 'receive',
        [ATTR.messagingDestination]: feed,
        [ATTR.feed]: feed,
        [ATTR.adapter]: adapter,
      },
    });
    if (traceparentOf(span) === undefined) {
      span.end();
      return undefined;
    }
    return new FrameTrace(span, feed);
  }

  /** The producer span of the frame's events bound for this partition's stream. */
  send(partition: number, stream: string): { span: Span; traceparent: string } {
    let s = this.sends.get(partition);
    if (!s) {
      const span = tracer().startSpan(
        `send ${stream}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            [ATTR.messagingSystem]: REDIS_MESSAGING,
            [ATTR.messagingOperationType]: 'send',
            [ATTR.messagingDestination]: stream,
            [ATTR.dbSystem]: 'redis',
            [ATTR.partition]: partition,
            [ATTR.feed]: this.feed,
          },
        },
        trace.setSpan(context.active(), this.receive),
      );
      s = { span, traceparent: traceparentOf(span)! };
      this.sends.set(partition, s);
    }
    return s;
  }

  /** The frame is parsed and buffered: the receive span ends (its sends end on Redis's reply). */
  received(events: number): void {
    this.receive.setAttribute(ATTR.messagingBatchCount, events);
    this.receive.end();
  }
}

/** Ends each producer span once (a frame's events may go out in two flushes). */
export function endSends(spans: Iterable<Span>, error?: Error): void {
  for (const span of spans) {
    if (!span.isRecording()) continue;
    if (error) span.recordException(error);
    span.end();
  }
}
