/**
 * The password check of a database connection, shared by the password grants and the login page: the
 * user with this email or username, if the password is theirs. An unknown login costs one comparison too
 * (checkPassword runs against a dummy), so the time taken does not tell which logins exist.
 */
import { checkPassword } from './password.js';
import { findUser, type Connection } from './tenant.js';
import type { User } from './user.js';

/** The user, or why not (for the log line only: callers answer Auth0's one "wrong email or password"). */
export type CredentialCheck = { readonly user: User } | { readonly user: undefined; readonly why: string };

/** `user`: the login's user when the caller has already looked it up (brute-force protection does). */
export async function checkCredentials(connection: Connection, login: string, password: string, user = findUser(connection, login)): Promise<CredentialCheck> {
  if (!(await checkPassword(user?.password, password)) || !user) return { user: undefined, why: user ? 'wrong password' : `no user "${login}" in ${connection.name}` };
  return { user };
}
