/**
 * `GET <issuer>authorize/resume?state=<transaction>`: the step between the login page and the callback
 * (browser flows reference §2.4). The transaction must have a login, made in this browser: its session must
 * be the one the browser's cookie names, and still be on.
 */
import type { TenantEnv } from '../endpoints/token.js';
import type { RequestInfo } from '../model/request-info.js';
import { complete, staleTransaction, type LoggedIn, type Transaction } from './complete.js';
import type { AuthorizeRequest } from './request.js';
import type { BrowserAnswer, FlowNote } from './respond.js';
import { findSession } from './session.js';

export async function resume(env: TenantEnv, transactionId: string | undefined, cookieSessionId: string | undefined, request: RequestInfo, note: FlowNote = {}): Promise<BrowserAnswer> {
  if (!transactionId) throw staleTransaction('no state');
  const transaction = await env.loginTransactions.find<AuthorizeRequest>(transactionId);
  if (!transaction || transaction.tenant !== env.tenant.name) throw staleTransaction('unknown login transaction');
  const { login } = transaction;
  if (!login || transaction.suspended !== undefined) throw staleTransaction(login ? 'the login waits for /continue' : 'nobody has logged in yet');
  // The browser that logged in, with its session still on (not ended by a logout in another tab meanwhile).
  const session = await findSession(env, cookieSessionId);
  if (!session || session.id !== login.sessionId) throw staleTransaction('the session cookie does not match the login');
  const client = env.tenant.clients.get(transaction.clientId);
  if (!client) throw staleTransaction(`client ${transaction.clientId} is gone`);
  return complete({ env, client, request, transactionId, transaction: transaction as Transaction & { login: LoggedIn }, fresh: true, note });
}
