export {
  createApp,
  type App,
  type AppDeps,
  type Authenticate,
  type AuditWriter,
  type Credentials,
} from './app';
export type { ApiContext, Caller, Role } from './context';
export { ERROR_CODES, type ErrorCode } from './errors';
export { createApiSchema } from './schema';
