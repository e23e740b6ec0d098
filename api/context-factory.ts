import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../lib/logger';
import { mutationAuditEntry, requireRole } from './auth';
import type { ApiContext, ApiServices, Caller } from './context';
import type { RequestLogging } from './plugins/request-logging';
import type { WsInitialContext } from './transports/ws';

/** Yoga's initial context: the HTTP request, or what the WebSocket transport passes. */
export type InitialContext = {
  request?: Request;
  req?: IncomingMessage;
} & Partial<WsInitialContext>;

/** What {@link createContextFactory} needs. */
export interface ContextFactoryDeps {
  readonly services: ApiServices;
  /** Parent of the per-operation loggers of WebSocket operations. */
  readonly logger: Logger;
  /** The request ids and loggers of HTTP requests (its plugin runs first). */
  readonly requests: RequestLogging;
}

/**
 * Yoga's `context` function: per HTTP request or graphql-ws operation, the caller (the
 * principal the rate-limit plugin already authenticated, or the connection's), a request id,
 * a child logger, and the `authorize`/`audit` helpers bound to that caller.
 */
export function createContextFactory(
  deps: ContextFactoryDeps,
): (initial: InitialContext) => Promise<ApiContext> {
  const { services, logger, requests } = deps;
  const { auth } = services;
  return async (init) => {
    let caller: Caller;
    let baseLog: () => Logger;
    let requestId: string;
    let transport: ApiContext['transport'];
    if (init.transport === 'ws' && init.wsCaller) {
      caller = init.wsCaller;
      requestId = randomUUID();
      baseLog = () => logger.child({ module: 'ws', reqId: requestId });
      transport = 'ws';
    } else {
      const request = init.request!;
      baseLog = () => requests.loggerFor(request);
      requestId = requests.idFor(request);
      // Shared with the rate-limit plugin, which authenticated the request first.
      caller = await auth.principalFor(request);
      transport = request.headers.get('accept')?.includes('text/event-stream') ? 'sse' : 'http';
    }
    // Made on first use: pino's child() costs more than a cached quote read, and most
    // requests never log. A proxy, not a getter: envelop copies the context object.
    const log = lazyLogger(() => baseLog().child({ sub: caller.subject, role: caller.role }));
    return {
      ...services,
      logger: log,
      requestId,
      caller,
      transport,
      authorize(role, action) {
        requireRole(caller, role, action);
      },
      async audit(record) {
        try {
          await auth.audit.append(mutationAuditEntry(record, caller, requestId));
        } catch (err) {
          // The mutation's effect has happened; a lost audit line is logged, not turned into a failure.
          log.error({ err, action: record.action }, 'audit write failed');
        }
      },
    };
  };
}

/** A logger that is built on first use. */
export function lazyLogger(make: () => Logger): Logger {
  let real: Logger | undefined;
  return new Proxy({} as Logger, {
    get(_target, prop) {
      real ??= make();
      const value: unknown = Reflect.get(real, prop, real);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(real)
        : value;
    },
  });
}
