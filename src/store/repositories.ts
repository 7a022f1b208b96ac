/**
 * The repositories on one store: each kind of runtime state with its own rules (refresh tokens, sessions,
 * login transactions, authorization codes, brute-force counts). Built once per emulator; the store underneath is memory or a
 * state folder's file.
 */
import { AuthorizationCodes } from './authorization-codes.js';
import { LoginFailures } from './login-failures.js';
import { LoginTransactions } from './login-transactions.js';
import { RefreshTokens } from './refresh-tokens.js';
import { Sessions } from './sessions.js';
import type { Store } from './store.js';

export interface Repositories {
  readonly refreshTokens: RefreshTokens;
  readonly sessions: Sessions;
  readonly loginTransactions: LoginTransactions;
  readonly authorizationCodes: AuthorizationCodes;
  readonly loginFailures: LoginFailures;
}

export function repositoriesOn(store: Store): Repositories {
  return {
    refreshTokens: new RefreshTokens(store),
    sessions: new Sessions(store),
    loginTransactions: new LoginTransactions(store),
    authorizationCodes: new AuthorizationCodes(store),
    loginFailures: new LoginFailures(store),
  };
}
