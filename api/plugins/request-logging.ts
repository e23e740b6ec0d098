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
  const requests = new WeakMap<Request, { log: Logger; id: string; start: number; path: string }>();
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
          log: root.child({ reqId: id }),
          start: performance.now(),
          path: url.pathname,
        });
      },
      onResponse({ request, response }) {
        const state = requests.get(request);
        if (!state) return;
        requests.delete(request);
        state.log.debug(
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
      return requests.get(request)?.log ?? root.child({ reqId: idOf(request) });
    },
    idFor(request) {
      return requests.get(request)?.id ?? idOf(request);
    },
  };
}
