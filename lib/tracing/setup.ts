import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { setTracingOn } from './state';

/** The tracing settings (OTEL_*), as lib/config reads them. */
export type TracingConfig = Config['tracing'];

/** What {@link startTracing} started; a no-op handle when tracing is off. */
export interface Tracing {
  readonly enabled: boolean;
  /** The span processor and resource, for the worker's workflow span sink (undefined when off). */
  readonly sdk?: { readonly processor: SpanProcessor; readonly resource: Resource };
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Flushes and stops the SDK; bounded by `timeoutMs` (an unreachable receiver cannot hold a shutdown). */
  shutdown(timeoutMs?: number): Promise<void>;
}

const OFF: Tracing = {
  enabled: false,
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/** True when the OTEL_* settings ask for traces. */
export function tracingConfigured(c: TracingConfig): boolean {
  if (c.sdkDisabled || c.exporter === 'none') return false;
  return c.exporter === 'otlp' || c.endpoint !== undefined || c.tracesEndpoint !== undefined;
}

/** Where spans go: the specification's rules for OTLP/HTTP endpoints. */
export function tracesUrl(c: TracingConfig): string {
  if (c.tracesEndpoint) return c.tracesEndpoint;
  const base = c.endpoint ?? 'http://localhost:4318';
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function samplerOf(c: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(c.samplerArg);
  switch (c.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * Starts OpenTelemetry tracing for this process when the OTEL_* settings ask for it: a Node
 * tracer provider (AsyncLocalStorage context, W3C trace context propagation) exporting
 * batches of spans over OTLP/HTTP (JSON). Otherwise nothing is started and every tracer stays
 * the no-op one. Once per process; the returned handle flushes and stops it.
 */
export function startTracing(
  c: TracingConfig,
  opts: { readonly process: string; readonly logger: Logger },
): Tracing {
  if (!tracingConfigured(c)) return OFF;
  const log = opts.logger.child({ module: 'tracing' });
  // The SDK's own complaints (an export that failed) go to the process log, not the console.
  diag.setLogger(
    {
      error: (m, ...a) => log.warn({ args: a }, m),
      warn: (m, ...a) => log.warn({ args: a }, m),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const resource = Resource.default().merge(
    new Resource({ 'service.name': c.serviceName ?? `fin-line-${opts.process}` }),
  );
  const url = tracesUrl(c);
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  const provider = new NodeTracerProvider({
    resource,
    sampler: samplerOf(c),
    spanProcessors: [processor],
  });
  provider.register();
  setTracingOn(true);
  log.info({ url, sampler: c.sampler, ratio: c.samplerArg }, 'tracing on (OTLP/HTTP)');
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    sdk: { processor, resource },
    flush: () => provider.forceFlush(),
    shutdown(timeoutMs = 2000) {
      stopped ??= (async () => {
        setTracingOn(false);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
        await Promise.race([provider.shutdown().catch(() => undefined), late]);
        clearTimeout(timer);
        // Back to the no-op globals, so a later start in the same process (tests) registers anew.
        trace.disable();
        propagation.disable();
        context.disable();
        diag.disable();
      })();
      return stopped;
    },
  };
}
