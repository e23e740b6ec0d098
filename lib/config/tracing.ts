import { z } from 'zod';
import { flag, num, section, setting } from './setting';

/**
 * OpenTelemetry traces: the standard `OTEL_*` variables (their meaning is the OpenTelemetry
 * specification's). Tracing is off unless an exporter is configured: no SDK is started and
 * the tracer is OpenTelemetry's no-op one.
 */
export const tracing = section('Tracing (OpenTelemetry)', {
  sdkDisabled: setting(
    'OTEL_SDK_DISABLED',
    flag(false),
    '`true` turns tracing off whatever else is set',
  ),
  exporter: setting(
    'OTEL_TRACES_EXPORTER',
    z.enum(['otlp', 'none']).optional(),
    '`otlp` turns tracing on (with the default endpoint `http://localhost:4318` unless one is set); `none` keeps it off; unset: on when an OTLP endpoint is set',
  ),
  endpoint: setting(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    z.url().optional(),
    'base URL of the OTLP/HTTP receiver (`/v1/traces` is appended); setting it turns tracing on',
  ),
  tracesEndpoint: setting(
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    z.url().optional(),
    'full URL traces are posted to (wins over `OTEL_EXPORTER_OTLP_ENDPOINT`); setting it turns tracing on',
  ),
  protocol: setting(
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    z.enum(['http/json']).default('http/json'),
    'OTLP transport: only `http/json` (OTLP over HTTP with JSON bodies) is built in',
  ),
  serviceName: setting(
    'OTEL_SERVICE_NAME',
    z.string().min(1).optional(),
    '`service.name` of the spans; unset: `fin-line-<process>` (`fin-line-api`, `fin-line-worker`)',
  ),
  sampler: setting(
    'OTEL_TRACES_SAMPLER',
    z
      .enum([
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ])
      .default('parentbased_always_on'),
    'which traces are recorded; a sampled feed frame is an event followed through the pipeline (`parentbased_traceidratio` with a small ratio for real feeds)',
  ),
  samplerArg: setting(
    'OTEL_TRACES_SAMPLER_ARG',
    num(1, 0, 1),
    'the ratio of the `*traceidratio` samplers',
  ),
});
