import { GraphQLError } from 'graphql';
import {
  isRole,
  requireRole,
  roleAtLeast,
  ROLES,
  type Principal,
  type Role,
} from '../../../api/auth';

const principal = (role: Role): Principal => ({ subject: `u-${role}`, role, via: 'jwt' });

describe('roles', () => {
  it('orders viewer < operator < admin', () => {
    expect(ROLES).toEqual(['viewer', 'operator', 'admin']);
    expect(roleAtLeast('admin', 'operator')).toBe(true);
    expect(roleAtLeast('operator', 'operator')).toBe(true);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
    expect(isRole('admin')).toBe(true);
    expect(isRole('root')).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });

  // Each role against each minimum: allowed exactly when the role is at or above it.
  const matrix: [Role, Role, boolean][] = [];
  for (const role of ROLES) {
    for (const minimum of ROLES) {
      matrix.push([role, minimum, ROLES.indexOf(role) >= ROLES.indexOf(minimum)]);
    }
  }
  it.each(matrix)('%s needing %s: allowed=%s', (role, minimum, allowed) => {
    const call = () => requireRole(principal(role), minimum, 'startFeed');
    if (allowed) {
      expect(call).not.toThrow();
      return;
    }
    let error: unknown;
    try {
      call();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GraphQLError);
    const e = error as GraphQLError;
    expect(e.extensions).toMatchObject({ code: 'FORBIDDEN', requiredRole: minimum, role });
    expect(e.message).toBe(
      `startFeed requires role ${minimum} or above; u-${role} has role ${role}`,
    );
  });
});
