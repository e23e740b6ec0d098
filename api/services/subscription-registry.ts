import { Gauge, Counter, type Registry } from 'prom-client';
import { ERROR_CODES, userError } from '../errors';

export type Transport = 'sse' | 'ws' | 'http';

/**
 * Counts live subscriptions (the `finline_graphql_active_subscriptions` gauge, by field and transport)
 * and refuses new ones past the process's limit, so a flood of idle subscribers cannot
 * exhaust memory or sockets.
 */
export class SubscriptionRegistry {
  private readonly live = new Set<() => void>();
  private readonly gauge: Gauge;
  private readonly refused: Counter;

  constructor(
    registry: Registry,
    private readonly max: number,
  ) {
    this.gauge =
      (registry.getSingleMetric('finline_graphql_active_subscriptions') as Gauge | undefined) ??
      new Gauge({
        name: 'finline_graphql_active_subscriptions',
        help: 'Live GraphQL subscriptions, by field and transport.',
        labelNames: ['field', 'transport'],
        registers: [registry],
      });
    this.refused =
      (registry.getSingleMetric('finline_graphql_subscriptions_refused_total') as
        Counter | undefined) ??
      new Counter({
        name: 'finline_graphql_subscriptions_refused_total',
        help: 'Subscriptions refused because the process serves its maximum already.',
        registers: [registry],
      });
  }

  get size(): number {
    return this.live.size;
  }

  /**
   * Registers a subscription; `end` finishes it from the server side (shutdown). Call the
   * returned function when it ends.
   */
  open(field: string, transport: Transport, end: () => void): () => void {
    if (this.max > 0 && this.live.size >= this.max) {
      this.refused.inc();
      throw userError(
        ERROR_CODES.UNAVAILABLE,
        `This server already serves ${this.max} subscriptions; try again later or another instance`,
        { retryable: true },
      );
    }
    this.live.add(end);
    this.gauge.inc({ field, transport });
    return () => {
      if (this.live.delete(end)) this.gauge.dec({ field, transport });
    };
  }

  /** Ends every live subscription (their streams complete normally). */
  endAll(): void {
    for (const end of [...this.live]) end();
  }
}
