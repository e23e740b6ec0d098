import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CONSOLE_OPERATIONS_DIR } from './paths';

/** One persisted operation: its document text and the SHA-256 (hex) clients send for it. */
export interface PersistedOperation {
  readonly name: string;
  readonly query: string;
  readonly hash: string;
}

/** The SHA-256 of a document's text, hex, as automatic persisted queries define it. */
export function operationHash(query: string): string {
  return createHash('sha256').update(query, 'utf8').digest('hex');
}

/**
 * The console's operations, read from `web/operations/<Name>.graphql` (one operation per file,
 * its text trimmed). The console build embeds the same texts and hashes, so the allow-list
 * mode admits exactly what the console sends.
 */
export function readConsoleOperations(dir = CONSOLE_OPERATIONS_DIR): PersistedOperation[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => {
      const query = readFileSync(join(dir, f), 'utf8').trim();
      return { name: basename(f, '.graphql'), query, hash: operationHash(query) };
    });
}
