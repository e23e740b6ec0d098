import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../../lib/logger';

/** Incoming ids are echoed into logs, so only short, plain ones are trusted. */
const REQUEST_ID = /^[\w.-]{1,64}$/;

/** The request-logging plugin and the way to reach a request's logger from the context. */
export interface RequestLogging {
  readonly plugin: Plugin;
  /** The child logger of a request seen by the plugin; a fresh child for any other. */
  loggerFor(request: Request): Logger;
  /** The id the request's logger carries (a fresh one for a request the plugin did not see). */
  idFor(request: Request): string;
}

/**
 * Gives every HTTP request a child logger carrying `reqId` (the client's `x-request-id` when
 * sane, else a UUID) and logs one debug line per request with its status and duration.
 */
export function createRequestLogging(root: Logger): RequestLogging {
  // The child logger is made on first use: most requests never log, and pino's child() is a
  // measurable share of the quote hot path.
  const requests = new WeakMap<
    Request,
    { log: Logger | undefined; id: string; start: number; path: string }
  >();
  const logOf = (state: { log: Logger | undefined; id: string }): Logger =>
    (state.log ??= root.child({ reqId: state.id }));
  const idOf = (request: Request): string => {
    const incoming = request.headers.get('x-request-id');
    return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  };
  return {
    plugin: {
      onRequest({ request, url }) {
        const id = idOf(request);
        requests.set(request, {
          id,
          log: undefined,
          start: performance.now(),
          path: url.pathname,
        });
      },
      onResponse({ request, response }) {
        const state = requests.get(request);
        if (!state) return;
        requests.delete(request);
        if (!root.isLevelEnabled('debug')) return;
        logOf(state).debug(
          {
            method: request.method,
            path: state.path,
            status: response.status,
            ms: Math.round((performance.now() - state.start) * 10) / 10,
          },
          'request',
        );
      },
    },
    loggerFor(request) {
      const state = requests.get(request);
      return state ? logOf(state) : root.child({ reqId: idOf(request) });
    },
    idFor(request) {
      return requests.get(request)?.id ?? idOf(request);
    },
  };
}
