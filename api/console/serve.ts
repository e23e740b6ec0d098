import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Plugin } from 'graphql-yoga';
import { ARCHIVE_SCHEDULE_ID } from '../../contract';
import type { Config } from '../../lib/config';
import { CONSOLE_DIST_DIR } from './paths';

/** What the console reads before it talks GraphQL: where to link, how to authenticate. */
export interface ConsoleSettings {
  readonly graphqlPath: string;
  /** Temporal Web UI base, namespace included: `<base>/workflows/<id>` opens a workflow. */
  readonly temporalUi: string;
  readonly namespace: string;
  /** `dev`: no credentials needed; `required`: the console asks for a key or token. */
  readonly authMode: 'dev' | 'required';
  readonly persistedOperations: 'apq' | 'allowlist';
  /** The nightly archive's Schedule id, for its Temporal UI link. */
  readonly archiveSchedule: string;
}

export function consoleSettings(config: Config, graphqlPath: string): ConsoleSettings {
  const ns = encodeURIComponent(config.temporal.namespace);
  return {
    graphqlPath,
    temporalUi: `${config.temporal.uiUrl.replace(/\/+$/, '')}/namespaces/${ns}`,
    namespace: config.temporal.namespace,
    authMode: config.api.auth.mode,
    persistedOperations: config.graphql.persistedOperations,
    archiveSchedule: ARCHIVE_SCHEDULE_ID,
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Nothing but this origin: the console loads no third-party code, fonts or images. */
const CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILE = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Serves the operations console: `GET /` (its page), `GET /console/<file>` (the bundle that
 * `npm run build:console` writes to web/dist) and `GET /console/settings.json`. Read from disk
 * per request: the files are small and a rebuild shows without a restart. A missing build is
 * a 503 that says how to make it.
 */
export function useConsole(opts: { settings: ConsoleSettings; distDir?: string }): Plugin {
  const dist = opts.distDir ?? CONSOLE_DIST_DIR;
  const settings = JSON.stringify(opts.settings);
  return {
    // Not async: a hook that returns a promise makes every request (GraphQL ones too) wait a
    // turn for it; only the file reads below need one.
    onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      const endResponse = (r: Response) => payload.endResponse(r);
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const path = url.pathname;
      let file: string | undefined;
      if (path === '/') file = 'index.html';
      else if (path === '/console/settings.json') {
        endResponse(
          new fetchAPI.Response(settings, {
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          }),
        );
        return;
      } else if (path.startsWith('/console/')) {
        const name = path.slice('/console/'.length);
        file = FILE.test(name) ? name : '';
      }
      if (file === undefined) return;
      const type = TYPES[extname(file)];
      const read = type ? readFile(join(dist, file)).catch(() => undefined) : undefined;
      return Promise.resolve(read).then((body) => {
        if (!body) {
          const missing = file === 'index.html';
          endResponse(
            new fetchAPI.Response(
              missing ? 'The console is not built: run `npm run build:console`.\n' : 'Not found\n',
              { status: missing ? 503 : 404, headers: { 'content-type': 'text/plain' } },
            ),
          );
          return;
        }
        endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
            headers: {
              'content-type': type!,
              // Rebuilds keep file names: revalidate every time (the files are small).
              'cache-control': 'no-cache',
              'x-content-type-options': 'nosniff',
              ...(file === 'index.html'
                ? { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer' }
                : {}),
            },
          }),
        );
      });
    },
  };
}
