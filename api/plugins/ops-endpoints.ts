import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';

/** Options of {@link useOpsEndpoints}. */
export interface OpsEndpointsOptions {
  readonly registry: Registry;
  /** Whether the dependencies answer, each named; must not reject or hang. */
  readonly ready: () => Promise<{ ok: boolean; checks: Record<string, boolean> }>;
}

/**
 * `GET /healthz` (the process is up), `GET /readyz` (its dependencies answer) and
 * `GET /metrics` (Prometheus text), served by Yoga itself so `yoga.fetch` reaches them too.
 * They answer before GraphQL parsing, so probes and scrapes never touch the schema.
 */
export function useOpsEndpoints(opts: OpsEndpointsOptions): Plugin {
  return {
    // Not async: a hook that returns a promise makes every request wait a turn for it.
    onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      if (request.method !== 'GET') return;
      const respond = (status: number, body: string, contentType = 'text/plain; charset=utf-8') =>
        payload.endResponse(
          new fetchAPI.Response(body, {
            status,
            headers: { 'content-type': contentType, 'cache-control': 'no-store' },
          }),
        );
      switch (url.pathname) {
        case '/healthz':
          respond(200, 'ok');
          return;
        case '/readyz':
          return opts
            .ready()
            .then(({ ok, checks }) =>
              respond(ok ? 200 : 503, JSON.stringify({ ready: ok, ...checks }), 'application/json'),
            );
        case '/metrics':
          return opts.registry
            .metrics()
            .then((text) => respond(200, text, opts.registry.contentType));
      }
    },
  };
}
