import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';

/**
 * Why a block of a doc is not run by the docs test, written in the doc right above the block
 * as `<!-- docs-test: skip=<reason> -->`: it needs the internet, Docker, or it runs until
 * stopped (npm start, a subscription). Nothing else may be skipped.
 */
export const SKIP_REASONS = ['internet', 'docker', 'long-running'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** A fenced code block of README.md or docs/*.md. */
export interface DocBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly text: string;
  /** The marker's reason, or the unknown word a marker gave. */
  readonly skip: string | undefined;
}

const FENCE = /^(\s*)```(\S*)\s*$/;
const MARKER = /^\s*<!--\s*docs-test:\s*skip=([\w-]+)\s*-->\s*$/;

/** README.md and every docs/*.md, relative to the project root. */
export function docFiles(): string[] {
  const docs = readdirSync(join(PROJECT_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** Every fenced block of a markdown file, with the marker right above it (if any). */
export function docBlocks(file: string): DocBlock[] {
  const lines = readFileSync(join(PROJECT_ROOT, file), 'utf8').split('\n');
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j]!)) body.push(lines[j++]!.slice(indent));
    // The marker is the last non-blank line above the fence (prettier puts a blank line between).
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const marker = k >= 0 ? MARKER.exec(lines[k]!) : null;
    out.push({ file, line: i + 1, lang: open[2]!, text: body.join('\n'), skip: marker?.[1] });
    i = j;
  }
  return out;
}

/** Shell blocks (sh, bash, shell) and GraphQL documents (graphql) of every doc. */
export function runnableBlocks(): DocBlock[] {
  return docFiles()
    .flatMap(docBlocks)
    .filter((b) => ['sh', 'bash', 'shell', 'graphql'].includes(b.lang));
}

/** Addresses the docs use, rewritten to the test stack's. */
export interface Rewrites {
  readonly apiPort: number;
  readonly simulatorPort: number;
  readonly workerMetricsPort: number;
  readonly taskQueue: string;
  /** PIPELINE_WORKFLOW_ID of the test stack (the docs show the default, `pipeline`). */
  readonly pipelineWorkflowId: string;
}

/** The block as the test runs it: the default ports, task queue and pipeline ids replaced by the test stack's. */
export function rewrite(text: string, r: Rewrites): string {
  return text
    .replace(/\b(localhost|127\.0\.0\.1):4000\b/g, `127.0.0.1:${r.apiPort}`)
    .replace(/\b(localhost|127\.0\.0\.1):8090\b/g, `127.0.0.1:${r.simulatorPort}`)
    .replace(/\b(localhost|127\.0\.0\.1):9464\b/g, `127.0.0.1:${r.workerMetricsPort}`)
    .replace(/--task-queue fin-line\b/g, `--task-queue ${r.taskQueue}`)
    .replace(/--workflow-id pipeline-p(\d+)\b/g, `--workflow-id ${r.pipelineWorkflowId}-p$1`);
}
