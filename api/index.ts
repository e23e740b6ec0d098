export { createApp, type App, type AppDeps } from './app';
export type { ApiContext, Resolver } from './context';
export { createApiSchema, SCHEMA_FILE } from './schema';
export { BAD_USER_INPUT } from './validation';
