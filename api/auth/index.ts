export {
  createApiAuth,
  rateLimitClientId,
  remoteAddress,
  type ApiAuth,
  type ApiAuthDeps,
} from './api-auth';
export {
  ApiKeyNotFoundError,
  createApiKeyStore,
  type ApiKeyInfo,
  type ApiKeyStore,
  type ApiKeyStoreOptions,
} from './api-key-store';
export { generateApiKey, hashSecret, looksLikeApiKey, parseApiKey } from './api-key-format';
export {
  appendAudit,
  auditActor,
  createAuditLog,
  readAudit,
  redactArgs,
  type AuditActor,
  type AuditDeps,
  type AuditEntry,
  type AuditLog,
  type AuditRecord,
  type AuditResult,
} from './audit';
export { mutationAuditEntry, type MutationAudit } from './mutation-audit';
export { createAuthenticator, type Authenticator, type AuthenticatorOptions } from './authenticate';
export {
  extractCredential,
  parseAuthorization,
  type Credential,
  type HeadersLike,
} from './credentials';
export {
  authFailureReason,
  FORBIDDEN,
  UNAUTHENTICATED,
  unauthenticated,
  type AuthFailureReason,
} from './errors';
export { createJwtVerifier, principalOf, type JwtVerifier, type JwtVerifierOptions } from './jwt';
export { createAuthMetrics, type AuthMetrics } from './metrics';
export { isRole, requireRole, roleAtLeast, ROLES, type Principal, type Role } from './principal';
