export { createApp, type App, type AppDeps } from './app';
export type { ApiContext, Caller, Role } from './context';
export { ERROR_CODES, type ErrorCode } from './errors';
export { createApiSchema } from './schema';
