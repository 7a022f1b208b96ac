/**
 * Brute-force protection around a password check, shared by the password grants and the login page: a
 * blocked user is refused before the password is looked at (the right one too); a wrong password counts, and
 * the one that reaches the tenant's `max_attempts` is refused as a block already; a right one clears the count.
 * Only logins of users that exist count.
 * NOTE(emulator): Auth0 also counts attempts on identifiers with no user, and says which attempt starts
 * the block only as "after max_attempts"; here the max_attempts-th wrong password answers the block.
 * NOTE(emulator): Auth0 takes the end user's IP from `auth0-forwarded-for` for trusted confidential clients;
 * the emulator always uses the request's own address.
 */
import { checkCredentials, type CredentialCheck } from '../model/credentials.js';
import { findUser, type Connection, type Tenant } from '../model/tenant.js';
import { TooManyAttempts } from '../oauth/errors.js';
import type { LoginFailures } from '../store/login-failures.js';

export async function checkGuardedCredentials(tenant: Tenant, failures: LoginFailures, ip: string, connection: Connection, login: string, password: string): Promise<CredentialCheck> {
  const guard = tenant.bruteForce;
  if (!guard) return checkCredentials(connection, login, password);
  const target = findUser(connection, login);
  if (target && (await failures.blockOf(tenant.name, target.userId, ip))) throw new TooManyAttempts({ logDetail: `${target.userId} is blocked from ${ip}` });
  const checked = await checkCredentials(connection, login, password, target);
  if (checked.user) {
    await failures.succeeded(tenant.name, checked.user.userId, ip);
  } else if (target) {
    const identifier = login.trim().toLowerCase();
    if (await failures.failed({ tenant: tenant.name, userId: target.userId, ip, connection: connection.name, identifier }, guard.maxAttempts)) {
      throw new TooManyAttempts({ logDetail: `${target.userId} blocked from ${ip} after ${guard.maxAttempts} wrong passwords` });
    }
  }
  return checked;
}
