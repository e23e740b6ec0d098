import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR } from './attributes';
import { tracingOn, tracer } from './state';

/** What {@link traceRedisCommands} needs of an ioredis `Redis` or `Cluster`. */
interface CommandSender {
  sendCommand(command: { name: string; promise: Promise<unknown> }, ...rest: unknown[]): unknown;
}

/**
 * A client span per Redis command sent inside a recorded span (a GraphQL operation, an HTTP
 * request): `db.system=redis`, the command as `db.operation.name`. Commands outside any
 * recorded span (the quote subscriber, background reads) get none, so tracing a sample of
 * requests does not trace every command. Does nothing while tracing is off. Patches this one
 * connection (what @opentelemetry/instrumentation-ioredis does to the prototype), which also
 * works where no module loader hook runs.
 */
export function traceRedisCommands(redis: unknown): void {
  if (!tracingOn()) return;
  const conn = redis as CommandSender;
  const send = conn.sendCommand.bind(conn);
  conn.sendCommand = (command, ...rest) => {
    const parent = trace.getSpan(context.active());
    if (!parent?.isRecording()) return send(command, ...rest);
    const name = command.name.toUpperCase();
    const span = tracer().startSpan(name, {
      kind: SpanKind.CLIENT,
      attributes: { [ATTR.dbSystem]: 'redis', [ATTR.dbOperation]: name },
    });
    const result = send(command, ...rest);
    command.promise.then(
      () => span.end(),
      (err: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
        span.end();
      },
    );
    return result;
  };
}
