import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../lib/devstack/binaries';
import { answerHelp } from '../lib/cli';

/**
 * `npm run lint` step: fails when the project's import graph has a circle. Type-only imports
 * count too (a circle of types is still two modules that cannot be understood apart). Modules
 * are resolved the way tsc resolves them, from tsconfig.json's file list.
 */
function main(): number {
  const configPath = ts.findConfigFile(PROJECT_ROOT, (f) => ts.sys.fileExists(f), 'tsconfig.json')!;
  const parsed = ts.parseJsonConfigFileContent(
    ts.readConfigFile(configPath, (f) => ts.sys.readFile(f)).config,
    ts.sys,
    PROJECT_ROOT,
  );
  const files = new Set(parsed.fileNames.filter((f) => !f.endsWith('.d.ts')));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const deps: string[] = [];
    for (const ref of info.importedFiles) {
      const r = ts.resolveModuleName(ref.fileName, file, parsed.options, ts.sys).resolvedModule;
      if (r && !r.isExternalLibraryImport && files.has(r.resolvedFileName))
        deps.push(r.resolvedFileName);
    }
    graph.set(file, deps);
  }
  const cycles = stronglyConnected(graph).filter((c) => c.length > 1 || selfLoop(graph, c[0]!));
  for (const c of cycles) {
    process.stderr.write(
      `import circle:\n${c.map((f) => `  ${relative(PROJECT_ROOT, f)}`).join('\n')}\n`,
    );
  }
  if (cycles.length === 0) process.stdout.write(`no import circles among ${files.size} files\n`);
  return cycles.length === 0 ? 0 : 1;
}

function selfLoop(graph: Map<string, string[]>, f: string): boolean {
  return graph.get(f)?.includes(f) ?? false;
}

/** Tarjan's algorithm: the graph's strongly connected components. */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

answerHelp(
  'check-import-cycles',
  `usage: tsx scripts/check-import-cycles.ts
  fails (exit 1) when the import graph of the files in tsconfig.json has a circle; part of npm run lint`,
);
process.exit(main());
