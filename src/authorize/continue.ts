/**
 * `GET|POST <issuer>continue?state=<transaction>`: the browser back from a redirect that extension code asked
 * for (`api.redirect.sendUserTo`, a rule's `context.redirect`; browser flows reference §9). The suspended
 * login resumes where it stopped (complete.ts), in the browser that logged in.
 */
import type { TenantEnv } from '../endpoints/token.js';
import type { RequestInfo } from '../model/request-info.js';
import type { Params } from '../oauth/params.js';
import { complete, staleTransaction, type LoggedIn, type Suspended, type Transaction } from './complete.js';
import type { AuthorizeRequest } from './request.js';
import type { BrowserAnswer, FlowNote } from './respond.js';
import { findSession } from './session.js';

export async function continueLogin(env: TenantEnv, transactionId: string | undefined, params: Params, cookieSessionId: string | undefined, request: RequestInfo, note: FlowNote = {}): Promise<BrowserAnswer> {
  // Auth0: a wrong or missing state is invalid_request (reference §9); the page says so as for any lost transaction.
  if (!transactionId) throw staleTransaction('no state');
  const transaction = await env.loginTransactions.find<AuthorizeRequest>(transactionId);
  if (!transaction || transaction.tenant !== env.tenant.name || transaction.suspended === undefined || !transaction.login) throw staleTransaction('no login waits for /continue under this state');
  const session = await findSession(env, cookieSessionId);
  if (!session || session.id !== transaction.login.sessionId) throw staleTransaction('the session cookie does not match the login');
  const client = env.tenant.clients.get(transaction.clientId);
  if (!client) throw staleTransaction(`client ${transaction.clientId} is gone`);
  const { suspended, ...rest } = transaction;
  // Resumed once: the transaction no longer waits (a second /continue finds nothing to resume).
  await env.loginTransactions.update(transactionId, rest);
  const query = Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return complete({
    env,
    client,
    request,
    transactionId,
    transaction: rest as Transaction & { login: LoggedIn },
    // The login was counted when it happened.
    fresh: false,
    resumption: { suspended: suspended as Suspended, query },
    note,
  });
}
