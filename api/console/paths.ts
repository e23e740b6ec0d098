import { join } from 'node:path';

/** The console's sources (browser code, not part of the server's TypeScript project). */
export const CONSOLE_SOURCE_DIR = join(__dirname, '..', '..', 'web');

/** The console's GraphQL operations, one per file: the console's persisted-operation list. */
export const CONSOLE_OPERATIONS_DIR = join(CONSOLE_SOURCE_DIR, 'operations');

/** Where `npm run build:console` writes the bundle the API serves (git-ignored). */
export const CONSOLE_DIST_DIR = join(CONSOLE_SOURCE_DIR, 'dist');
