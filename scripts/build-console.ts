import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { CONSOLE_DIST_DIR, CONSOLE_SOURCE_DIR } from '../api/console/paths';
import { readConsoleOperations } from '../api/console/operations';
import { runCli } from '../lib/cli';

/**
 * `npm run build:console`: bundles the operations console (web/src, Preact) with esbuild into
 * web/dist, which the API serves at `/`. The output is not committed: npm start and the
 * tests that open the console build it (about a second). The console's GraphQL operations
 * come in as the virtual module `console-operations`, with the same text and SHA-256 the API's
 * allow-list reads from web/operations.
 */
export async function buildConsole(
  outDir = CONSOLE_DIST_DIR,
): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const operationsModule: Plugin = {
    name: 'console-operations',
    setup(b) {
      b.onResolve({ filter: /^console-operations$/ }, () => ({
        path: 'console-operations',
        namespace: 'console-operations',
      }));
      b.onLoad({ filter: /.*/, namespace: 'console-operations' }, () => {
        const ops = Object.fromEntries(readConsoleOperations().map((o) => [o.name, o]));
        return {
          contents: `export const operations = ${JSON.stringify(ops)};`,
          loader: 'js',
          watchFiles: readConsoleOperations().map((o) =>
            join(CONSOLE_SOURCE_DIR, 'operations', `${o.name}.graphql`),
          ),
        };
      });
    },
  };
  // Built beside the target and swapped in, so a running API never serves half a build.
  const staging = `${outDir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = await build({
    entryPoints: { console: join(CONSOLE_SOURCE_DIR, 'src', 'main.tsx') },
    outdir: staging,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [operationsModule],
  });
  copyFileSync(join(CONSOLE_SOURCE_DIR, 'index.html'), join(staging, 'index.html'));
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return { ms: Math.round(performance.now() - started), bytes };
}

if (require.main === module) {
  runCli({
    name: 'build:console',
    usage: `usage: npm run build:console [-- --json]
  bundles the operations console (web/src) into web/dist, which the API serves at /`,
    options: { json: { type: 'boolean', default: false } },
    async run({ values }) {
      const r = await buildConsole();
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ outDir: CONSOLE_DIST_DIR, ...r })}\n`
          : `built ${CONSOLE_DIST_DIR} (${Math.round(r.bytes / 1024)} KiB) in ${r.ms} ms\n`,
      );
    },
  });
}
