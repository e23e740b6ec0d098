import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { createSchema } from 'graphql-yoga';
import type { ApiContext } from './context';
import { resolvers } from './resolvers';

/** Path of the SDL file; it sits beside this module in source and in any build. */
export const SCHEMA_FILE = join(__dirname, 'schema.graphql');

/**
 * Builds the executable schema from schema.graphql and the resolvers. Read synchronously
 * because it runs once at start-up, and a missing or invalid file should stop start-up.
 */
export function createApiSchema(): GraphQLSchema {
  return createSchema<ApiContext>({
    typeDefs: readFileSync(SCHEMA_FILE, 'utf8'),
    resolvers,
  });
}
