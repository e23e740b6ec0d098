import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { createSchema } from 'graphql-yoga';
import type { ApiContext } from './context';
import { resolvers } from './resolvers';

/** Folder of the SDL files; it sits beside this module in source and in any build. */
export const SCHEMA_DIR = join(__dirname, 'schema');

/** The SDL, one file per area (common.graphql first: it declares the root types others extend). */
export function readTypeDefs(): string[] {
  const files = readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'common.graphql' ? -1 : b === 'common.graphql' ? 1 : a < b ? -1 : 1));
  return files.map((f) => readFileSync(join(SCHEMA_DIR, f), 'utf8'));
}

/**
 * Builds the executable schema from the .graphql files and the resolvers. Read synchronously
 * because it runs once at start-up, and a missing or invalid file should stop start-up.
 */
export function createApiSchema(): GraphQLSchema {
  return createSchema<ApiContext>({ typeDefs: readTypeDefs(), resolvers });
}
