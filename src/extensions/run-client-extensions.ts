/**
 * The client-credentials pipeline: the credentials-exchange hook (seed 002), then credentials-exchange
 * Actions, editing the draft access token. Errors map as the reference's §9 and §10.2 say:
 * InvalidScopeError → 400 invalid_scope, InvalidRequestError → 400 invalid_request, anything else → 500
 * server_error (so `cb(new Error('access denied'))` gives server_error "access denied").
 */
import type { GrantContext } from '../grants/types.js';
import type { Api } from '../model/tenant.js';
import { AccessDenied, InvalidRequest, InvalidScope, OAuthError, ServerError } from '../oauth/errors.js';
import { refusedClaim, refusedHookClaim, scopeList } from './custom-claims.js';
import { credentialsExchangeEvent, hookClient, hookContext } from './inputs.js';
import { ExtensionFailed, ExtensionLimit, jsonArgs } from './pool.js';
import { Explanation, scopeChange, setClaims, type ActionOp, type ExtensionEnv, type TokenDraft } from './run-user-extensions.js';
import type { Tag } from './sandbox.js';

function hookError(err: unknown): OAuthError {
  if (err instanceof ExtensionLimit) return new ServerError(err.publicText, { logDetail: err.message });
  if (!(err instanceof ExtensionFailed)) throw err;
  if (err.detail.name === 'InvalidScopeError') return new InvalidScope(err.message);
  if (err.detail.name === 'InvalidRequestError') return new InvalidRequest(err.message);
  return new ServerError(err.message);
}

function denial(code: string | undefined, reason: string): OAuthError {
  if (code === 'invalid_scope') return new InvalidScope(reason);
  if (code === 'invalid_request') return new InvalidRequest(reason);
  if (code === 'server_error') return new ServerError(reason);
  // NOTE(emulator): deny() with another code is not documented; it becomes a 403 access_denied.
  return new AccessDenied(reason);
}

export async function runClientExtensions(env: ExtensionEnv, ctx: GrantContext, api: Api, scopes: readonly string[], requested: readonly string[]): Promise<TokenDraft> {
  const { tenant, client, request } = ctx;
  const ext = tenant.extensions;
  const draft: TokenDraft = { scopes: [...scopes], accessToken: {}, idToken: {} };
  if (!ext.credentialsExchangeHook && ext.credentialsExchangeActions.length === 0) return draft;

  const tag: Tag = { tenant: tenant.name, requestId: request.id };
  const why = new Explanation();
  const claimCtx = { sandbox: env.sandbox, tag, why };
  try {
    const hook = ext.credentialsExchangeHook;
    if (hook) {
      const { result } = (await env.sandbox
        .run(
          {
            kind: 'hook-credentials-exchange',
            tenant: tenant.name,
            scripts: [hook],
            // `scope` is the array of granted scopes (undefined when there are none), as Auth0 passes it.
            input: jsonArgs(hookClient(tenant, client), scopes.length ? scopes : undefined, api.identifier, hookContext(request, ext.secrets)),
          },
          ext,
          tag,
        )
        .catch((err: unknown) => {
          throw hookError(err);
        })) as { result: Record<string, unknown> | null };
      const claims = result ?? {};
      setClaims(draft.accessToken, claims, 'access_token', hook.name, refusedHookClaim, claimCtx);
      // Omitting `scope` resets the scopes to what the hook returned: none (reference §9).
      const next = scopeList(claims.scope) ?? [];
      scopeChange(hook.name, draft.scopes, next, why);
      draft.scopes = next;
    }

    if (ext.credentialsExchangeActions.length > 0) {
      const { ops } = (await env.sandbox
        .run(
          {
            kind: 'actions-credentials-exchange',
            tenant: tenant.name,
            scripts: [...ext.credentialsExchangeActions],
            input: [JSON.stringify({ ...credentialsExchangeEvent(tenant, client, api, draft.scopes, requested, request, ctx.params), secrets: ext.secrets })],
          },
          ext,
          tag,
        )
        .catch((err: unknown) => {
          throw hookError(err);
        })) as { ops: ActionOp[] };
      for (const op of ops) {
        if (op.op === 'deny') throw denial(op.code, op.reason ?? '');
        if (op.op === 'accessToken.claim') setClaims(draft.accessToken, { [op.key!]: op.value }, 'access_token', op.file, refusedClaim, claimCtx);
      }
    }
  } finally {
    why.flush(env.sandbox, tag, `${client.clientId}@clients`);
  }
  return draft;
}
