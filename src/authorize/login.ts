/**
 * The login page of a login transaction (`/u/login?state=<transaction>`, browser flows reference §2): what it
 * shows, and what its form does. A password checked as the password grants check it (model/credentials.ts),
 * or, beyond Auth0 for local development, a "continue as" button per user of the directory (a tenant setting
 * turns them off). A login starts (or renews) the browser's session; the transaction then records who logged
 * in, and the browser goes on to `/authorize/resume`.
 */
import type { TenantEnv } from '../endpoints/token.js';
import { urlFor } from '../http/routes.js';
import { checkGuardedCredentials } from '../grants/brute-force.js';
import type { RequestInfo } from '../model/request-info.js';
import type { Client, Connection } from '../model/tenant.js';
import type { User } from '../model/user.js';
import type { Params } from '../oauth/params.js';
import { OAuthError, TooManyAttempts, Unauthorized } from '../oauth/errors.js';
import { staleTransaction, targetOf, type Transaction } from './complete.js';
import { enabledFor, type AuthorizeRequest } from './request.js';
import { errorAnswer, type BrowserAnswer, type FlowNote } from './respond.js';
import { findSession, lifetimesOf } from './session.js';

/**
 * At most this many "continue as" buttons: a page of a few thousand buttons helps nobody; past the cap the
 * page says how many more users there are (they log in with their password).
 */
const CONTINUE_AS_LIMIT = 20;

/** An error shown under a field, with Auth0's `data-error-code` and text (reference §2.3). */
export interface FieldError {
  readonly code: string;
  readonly text: string;
}

export interface LoginPage {
  readonly transactionId: string;
  readonly tenantName: string;
  readonly clientName: string;
  /** "Email address", or "Username or email address" when the directory has usernames. */
  readonly usernameLabel: string;
  readonly username: string;
  readonly errors: { readonly username?: FieldError; readonly password?: FieldError };
  /** Undefined when the tenant turned the buttons off. */
  readonly continueAs: { readonly users: readonly { readonly userId: string; readonly name: string; readonly email: string }[]; readonly more: number } | undefined;
}

/** The outcome of the form: the page again (400, or 429 for a brute-force block), a login (set the cookie, go on), or an answer to the callback. */
export type LoginResult =
  | { readonly kind: 'page'; readonly page: LoginPage; readonly status: number }
  | { readonly kind: 'logged-in'; readonly sessionId: string; readonly cookieMaxAge: number; readonly location: string }
  | { readonly kind: 'answer'; readonly answer: BrowserAnswer };

interface Open {
  readonly transaction: Transaction;
  readonly client: Client;
  readonly connection: Connection;
}

/** The transaction the page is for, with its client and directory as the tenant serves them now. */
async function open(env: TenantEnv, transactionId: string | undefined): Promise<Open> {
  if (!transactionId) throw staleTransaction('no state');
  const transaction = await env.loginTransactions.find<AuthorizeRequest>(transactionId);
  if (!transaction || transaction.tenant !== env.tenant.name) throw staleTransaction('unknown login transaction');
  const client = env.tenant.clients.get(transaction.clientId);
  const connection = env.tenant.connections.get(transaction.request.connection);
  // A reload may have taken the client, the connection, or the client's use of the connection away meanwhile.
  if (!client || !connection || !enabledFor(connection, client)) throw staleTransaction('the client or its connection is gone');
  return { transaction, client, connection };
}

function page(env: TenantEnv, transactionId: string, { client, connection }: Open, username: string, errors: LoginPage['errors'] = {}): LoginPage {
  const users = connection.users;
  return {
    transactionId,
    tenantName: env.tenant.friendlyName,
    clientName: client.name,
    usernameLabel: users.some((u) => u.username !== undefined) ? 'Username or email address' : 'Email address',
    username,
    errors,
    continueAs: env.tenant.loginContinueAs
      ? { users: users.slice(0, CONTINUE_AS_LIMIT).map((u) => ({ userId: u.userId, name: u.name, email: u.email })), more: Math.max(0, users.length - CONTINUE_AS_LIMIT) }
      : undefined,
  };
}

export async function showLoginPage(env: TenantEnv, transactionId: string | undefined): Promise<LoginPage> {
  const opened = await open(env, transactionId);
  return page(env, transactionId!, opened, opened.transaction.request.loginHint ?? '');
}

const WRONG: FieldError = { code: 'wrong-email-credentials', text: 'Wrong email or password' };
const BLOCKED: FieldError = { code: 'user-blocked', text: 'Your account has been blocked after multiple consecutive login attempts.' };

export async function submitLogin(env: TenantEnv, transactionId: string | undefined, form: Params, cookieSessionId: string | undefined, request: RequestInfo, note: FlowNote = {}): Promise<LoginResult> {
  const opened = await open(env, transactionId);
  note.client = opened.client.clientId;
  const id = transactionId!;
  const { connection, transaction } = opened;
  const username = form.username ?? '';
  const again = (errors: LoginPage['errors'], why: string): LoginResult => {
    // Auth0's code for a failed login in its logs and older APIs.
    note.error = new OAuthError(400, 'invalid_user_password', 'Wrong email or password', { logDetail: why });
    return { kind: 'page', page: page(env, id, opened, username, errors), status: 400 };
  };

  let user: User | undefined;
  const continueAs = env.tenant.loginContinueAs ? form.continue_as : undefined;
  if (continueAs !== undefined) {
    // Not a password: brute-force protection neither counts nor refuses it.
    user = connection.users.find((u) => u.userId === continueAs);
    if (!user) return again({ password: WRONG }, `continue_as: no user ${continueAs} in ${connection.name}`);
  } else {
    // Auth0's texts for empty fields (reference §2.3).
    if (username.trim() === '') return again({ username: { code: 'no-email', text: 'Please enter an email address' } }, 'no username');
    if (!form.password) return again({ password: { code: 'no-password', text: 'Password is required' } }, 'no password');
    let checked;
    try {
      checked = await checkGuardedCredentials(env.tenant, env.loginFailures, request.ip, connection, username, form.password);
    } catch (err) {
      if (!(err instanceof TooManyAttempts)) throw err;
      // NOTE(emulator): the status of Auth0's login page for a blocked user is not confirmed; 429 as /oauth/token.
      note.error = err;
      return { kind: 'page', page: page(env, id, opened, username, { password: BLOCKED }), status: 429 };
    }
    if (!checked.user) return again({ password: WRONG }, checked.why);
    user = checked.user;
  }

  note.user = user.userId;
  if (user.blocked) {
    // A blocked user's login counts (community.auth0.com/t/91318) and ends at the callback (reference §1.3).
    env.extensions.users.recordLogin(user.userId);
    if (!(await env.loginTransactions.finish(id))) throw staleTransaction('the transaction was answered meanwhile');
    note.error = new Unauthorized('user is blocked');
    return { kind: 'answer', answer: errorAnswer(targetOf(transaction.request), note.error) };
  }

  const now = env.now();
  const lifetimes = lifetimesOf(env.tenant);
  const current = await findSession(env, cookieSessionId);
  let sessionId: string;
  if (current && current.record.userId === user.userId && current.record.connection === connection.name) {
    // The same user again in this browser (prompt=login, max_age): the session's authentication is renewed.
    await env.sessions.touch(current.id, current.record, { authTime: now }, now, lifetimes);
    sessionId = current.id;
  } else {
    if (current) await env.sessions.end(current.id);
    sessionId = await env.sessions.start({ tenant: env.tenant.name, userId: user.userId, connection: connection.name, authTime: now }, now, lifetimes);
  }
  await env.loginTransactions.update(id, { ...transaction, login: { userId: user.userId, connection: connection.name, sessionId, authTime: now } });
  return { kind: 'logged-in', sessionId, cookieMaxAge: lifetimes.absolute * 1000, location: `${urlFor(env.issuer, 'authorize-resume')}?state=${encodeURIComponent(id)}` };
}
