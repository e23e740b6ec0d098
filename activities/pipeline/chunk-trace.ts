import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Stage } from '../../lib/redis';
import { entryTraceparent } from '../../lib/redis';
import {
  ATTR,
  contextFrom,
  linksTo,
  REDIS_MESSAGING,
  traceparentOf,
  tracer,
} from '../../lib/tracing';
import type { ChunkTrace } from './stages';
import type { StreamEntry } from '../stream-reader';

/** Where a chunk was read, for its span's attributes. */
export interface ChunkSource {
  readonly stage: Stage;
  readonly partition: number;
  readonly stream: string;
  readonly group: string;
  readonly batchId: string;
}

/**
 * The span of one chunk of a stage: `process <stream>`, a consumer span with a link to the
 * span that wrote each sampled entry (OpenTelemetry's batch-processing convention) and, as
 * its parent, the first of them, so the first sampled event's trace goes on through the
 * chunk. A chunk without sampled entries gets no span, except in the anomaly stage
 * (`everyChunk`), where the sampler decides: anomalies carry their chunk's context.
 */
export class ChunkSpan {
  private constructor(
    readonly span: Span,
    /** What the stage writes into its outputs (undefined when the span is not sampled). */
    readonly trace: ChunkTrace | undefined,
  ) {}

  static start(
    entries: readonly StreamEntry[],
    source: ChunkSource,
    everyChunk: boolean,
  ): ChunkSpan | undefined {
    const sampled = new Set<string>();
    const parents: string[] = [];
    for (const [id, fields] of entries) {
      const tp = entryTraceparent(fields);
      if (tp === undefined) continue;
      sampled.add(id);
      parents.push(tp);
    }
    if (parents.length === 0 && !everyChunk) return undefined;
    const span = tracer().startSpan(
      `process ${source.stream}`,
      {
        kind: SpanKind.CONSUMER,
        links: linksTo(parents),
        attributes: {
          [ATTR.messagingSystem]: REDIS_MESSAGING,
          [ATTR.messagingOperationType]: 'process',
          [ATTR.messagingDestination]: source.stream,
          [ATTR.messagingConsumerGroup]: source.group,
          [ATTR.messagingBatchCount]: entries.length,
          [ATTR.stage]: source.stage,
          [ATTR.partition]: source.partition,
          [ATTR.batchId]: source.batchId,
        },
      },
      parents.length > 0 ? contextFrom(parents[0]) : ROOT_CONTEXT,
    );
    const traceparent = traceparentOf(span);
    return new ChunkSpan(span, traceparent ? { sampled, traceparent } : undefined);
  }

  /** Runs the chunk's commit inside a client span of its own (`EVALSHA commitBatch`). */
  async commit<T>(exec: () => Promise<T>): Promise<T> {
    const span = tracer().startSpan(
      'EVALSHA commitBatch',
      {
        kind: SpanKind.CLIENT,
        attributes: { [ATTR.dbSystem]: 'redis', [ATTR.dbOperation]: 'EVALSHA' },
      },
      trace.setSpan(ROOT_CONTEXT, this.span),
    );
    try {
      return await exec();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
      throw err;
    } finally {
      span.end();
    }
  }

  /** Ends the chunk span with what it produced, or with the error that failed it. */
  end(outcome: Record<string, number> | Error): void {
    if (outcome instanceof Error) {
      this.span.recordException(outcome);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.message });
    } else {
      for (const [k, v] of Object.entries(outcome)) this.span.setAttribute(`fin_line.${k}`, v);
    }
    this.span.end();
  }
}
