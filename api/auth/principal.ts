import { createGraphQLError } from 'graphql-yoga';
import { FORBIDDEN } from './errors';

/** Roles in increasing order of power: each role may do everything the ones before it may. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as established by {@link Authenticator.authenticate}. */
export interface Principal {
  /** JWT `sub`, `api-key:<name>` for a key, `dev` in dev mode. */
  readonly subject: string;
  readonly role: Role;
  readonly via: 'jwt' | 'api-key' | 'dev';
  /** The API key's id when `via` is `api-key`. */
  readonly keyId?: string;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `role` is `minimum` or above it. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

/**
 * Throws FORBIDDEN unless the principal's role is at least `minimum`. The message names the
 * action, the role it needs and the role the caller has, so a client can tell what to ask for.
 */
export function requireRole(principal: Principal, minimum: Role, action: string): void {
  if (roleAtLeast(principal.role, minimum)) return;
  throw createGraphQLError(
    `${action} requires role ${minimum} or above; ${principal.subject} has role ${principal.role}`,
    { extensions: { code: FORBIDDEN, requiredRole: minimum, role: principal.role, action } },
  );
}
