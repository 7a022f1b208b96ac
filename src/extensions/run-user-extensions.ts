/**
 * The user-token pipeline: rules, then the password-exchange hook (password grants only), then post-login
 * Actions, each editing one draft of the tokens (scopes and custom claims) before anything is signed.
 * Rules run first, as they did in Auth0 while both existed. Every change is summarised in one `explain`
 * log entry per request, naming the file that made it. What differs between flows (the protocol extension
 * code is told, whether the password hook runs, whether a redirect is possible) comes from the login's
 * LoginFlow: the pipeline names no flow.
 */
import { AccessDenied, OAuthError, Unauthorized } from '../oauth/errors.js';
import type { LoginFlow } from '../model/login-flow.js';
import type { Tenant } from '../model/tenant.js';
import type { UserState } from '../runtime/user-state.js';
import type { UserinfoClaims } from '../runtime/userinfo-claims.js';
import { refusedClaim, refusedHookClaim, scopeList } from './custom-claims.js';
import { hookClient, hookContext, passwordHookUser, postLoginEvent, ruleContextJson, ruleUserJson, type Login } from './inputs.js';
import { ExtensionFailed, ExtensionLimit, asJson, jsonArgs } from './pool.js';
import type { Sandbox, Tag } from './sandbox.js';

export interface TokenDraft {
  scopes: string[];
  accessToken: Record<string, unknown>;
  idToken: Record<string, unknown>;
}

/**
 * The user pipeline's outcome. In an interactive flow, extension code may send the browser elsewhere first
 * (`context.redirect`, `api.redirect.sendUserTo`): the pipeline then stops there, after the rules or after the
 * Action that asked, and `redirect` says where; the browser login resumes it when the user comes back.
 */
export interface UserTokenDraft extends TokenDraft {
  redirect?: { url: string; from: Suspension };
}

/**
 * Where a redirect suspended the pipeline, for the browser login to resume it when the user comes back
 * (`/continue`): after the rules (Auth0 then runs every rule again, with the protocol `redirect-callback`), or
 * in the post-login Action at this index of the tenant's list (Auth0 goes on in its `onContinuePostLogin`, then
 * runs the Actions after it).
 */
export type Suspension = { readonly after: 'rules' } | { readonly after: 'action'; readonly index: number };

/** A suspended pipeline to resume: where, and the draft as it was then (the Actions before it had edited it). */
export interface Resumption {
  readonly from: Suspension;
  readonly draft: TokenDraft;
}

export interface ExtensionEnv {
  readonly sandbox: Sandbox;
  readonly users: UserState;
  /** Where custom ID-token claims wait for /userinfo. */
  readonly userinfoClaims: UserinfoClaims;
}

/** Records what each file changed, for the explain entry: `subject: a.js: change, change; b.js: change`. */
export class Explanation {
  readonly #byFile = new Map<string, string[]>();
  add(file: string, change: string): void {
    const changes = this.#byFile.get(file);
    if (changes) changes.push(change);
    else this.#byFile.set(file, [change]);
  }
  flush(sandbox: Sandbox, tag: Tag, subject: string): void {
    if (this.#byFile.size === 0) return;
    const text = [...this.#byFile].map(([file, changes]) => `${file}: ${changes.join(', ')}`).join('; ');
    sandbox.note(tag, '-', 'explain', `${subject}: ${text}`);
  }
}

export function scopeChange(file: string, before: readonly string[], after: readonly string[], why: Explanation): void {
  const added = after.filter((s) => !before.includes(s));
  const removed = before.filter((s) => !after.includes(s));
  if (added.length || removed.length) why.add(file, `scope ${[...added.map((s) => `+${s}`), ...removed.map((s) => `-${s}`)].join(' ')}`);
}

/** Sets the claims a file asked for, refusing restricted names with a log line. */
export function setClaims(
  target: Record<string, unknown>,
  claims: Record<string, unknown>,
  token: 'access_token' | 'id_token',
  file: string,
  refuse: (key: string) => string | undefined,
  ctx: { sandbox: Sandbox; tag: Tag; why: Explanation },
): void {
  for (const [key, value] of Object.entries(claims)) {
    // On the access token `scope` is the scope override, read by the caller; on the ID token it is refused.
    if (key === 'scope' && token === 'access_token') continue;
    // Own properties only: a claim named `constructor` is new, not Object's.
    if (Object.hasOwn(target, key) && JSON.stringify(target[key]) === JSON.stringify(value)) continue;
    const reason = refuse(key);
    if (reason) {
      ctx.sandbox.note(ctx.tag, file, 'warn', `${token} claim "${key}" ignored: ${reason}`);
      continue;
    }
    target[key] = value;
    ctx.why.add(file, `${token} ${key}=${JSON.stringify(value)}`);
  }
}

/**
 * A failed run of user code, as Auth0's error for that extension point. NOTE(emulator): a run over its time
 * or memory answers 403 access_denied, like any other failed rule (Auth0 documents only the timeout's text).
 */
function asOAuthError(err: unknown, map: (failure: ExtensionFailed) => OAuthError): OAuthError {
  if (err instanceof ExtensionLimit) return new AccessDenied(err.publicText, { logDetail: err.message });
  if (err instanceof ExtensionFailed) return map(err);
  throw err;
}

const ruleError = (f: ExtensionFailed) => (f.detail.name === 'UnauthorizedError' ? new Unauthorized(f.message) : new AccessDenied(f.message));

/** Whether any user-flow extension code runs for this tenant and flow (so the login is worth describing). */
export function hasUserExtensions(tenant: Tenant, flow: LoginFlow): boolean {
  const ext = tenant.extensions;
  return ext.rules.length > 0 || ext.postLoginActions.length > 0 || (flow.passwordExchange && ext.passwordExchangeHook !== undefined);
}

export async function runUserExtensions(env: ExtensionEnv, login: Login, resumption?: Resumption): Promise<UserTokenDraft> {
  const { flow } = login;
  const ext = login.tenant.extensions;
  const fromAction = resumption?.from.after === 'action' ? resumption.from.index : undefined;
  const draft: UserTokenDraft =
    fromAction === undefined
      ? { scopes: [...login.scopes], accessToken: {}, idToken: {} }
      : { scopes: [...resumption!.draft.scopes], accessToken: { ...resumption!.draft.accessToken }, idToken: { ...resumption!.draft.idToken } };
  const hasPasswordHook = fromAction === undefined && flow.passwordExchange && ext.passwordExchangeHook !== undefined;
  // Back from a rule's redirect, every rule runs again and sees the protocol `redirect-callback` (Auth0).
  const ruleLogin: Login = resumption?.from.after === 'rules' ? { ...login, flow: { ...flow, protocol: 'redirect-callback' } } : login;

  const tag: Tag = { tenant: login.tenant.name, requestId: login.request.id };
  const why = new Explanation();
  const claimCtx = { sandbox: env.sandbox, tag, why };
  const run = (job: Parameters<Sandbox['run']>[0]) => env.sandbox.run(job, ext, tag);
  try {
    if (ext.rules.length > 0 && fromAction === undefined) {
      const result = (await run({
        kind: 'rules',
        tenant: login.tenant.name,
        scripts: ext.rules,
        input: [ruleUserJson(ruleLogin), ruleContextJson(ruleLogin)],
        configuration: asJson(ext.configuration),
      }).catch((err: unknown) => {
        throw asOAuthError(err, ruleError);
      })) as { steps: { file: string; accessToken: Record<string, unknown>; idToken: Record<string, unknown> }[]; redirect: unknown; multifactor: unknown };
      for (const step of result.steps) {
        setClaims(draft.accessToken, step.accessToken, 'access_token', step.file, refusedClaim, claimCtx);
        setClaims(draft.idToken, step.idToken, 'id_token', step.file, refusedClaim, claimCtx);
        const scopes = scopeList(step.accessToken.scope);
        if (scopes) {
          scopeChange(step.file, draft.scopes, scopes, why);
          draft.scopes = scopes;
        }
      }
      // Seed 004: a redirect or MFA rule makes the password exchange fail, with no token.
      // NOTE(emulator): the status and descriptions of these two failures are not documented.
      if (result.redirect && !flow.interactive) throw new OAuthError(403, 'interaction_required', 'Redirect rules are not supported in this flow');
      // An MFA challenge is not emulated in any flow: every flow refuses the login as the exchanges do.
      if (result.multifactor) {
        throw new OAuthError(403, 'mfa_required', 'Multifactor authentication required', { extra: { mfa_token: `emulator-mfa-${login.request.id}` } });
      }
      const redirect = result.redirect ? ruleRedirect(result.redirect, env.sandbox, tag) : undefined;
      if (redirect) {
        // Every rule has run: the browser goes to the redirect, and on its return the rules run again (Auth0).
        draft.redirect = { ...redirect, from: { after: 'rules' } };
        return draft;
      }
    }

    if (hasPasswordHook) {
      const script = ext.passwordExchangeHook!;
      const { result } = (await run({
        kind: 'hook-password-exchange',
        tenant: login.tenant.name,
        scripts: [script],
        input: jsonArgs(passwordHookUser(login), hookClient(login.tenant, login.client), draft.scopes, login.api?.identifier, hookContext(login.request, ext.secrets)),
      }).catch((err: unknown) => {
        // NOTE(emulator): the password-exchange hook only documents "an error signals authorization failure".
        throw asOAuthError(err, (f) => new AccessDenied(f.message));
      })) as { result: Record<string, unknown> | null };
      const out = result ?? {};
      // Two shapes exist: {accessToken: {...}, idToken: {...}} and the older flat {scope, claims}.
      const nested = typeof out.accessToken === 'object' || typeof out.idToken === 'object';
      const at = (nested ? out.accessToken : out) as Record<string, unknown> | undefined;
      const id = (nested ? out.idToken : undefined) as Record<string, unknown> | undefined;
      if (at) setClaims(draft.accessToken, at, 'access_token', script.name, refusedHookClaim, claimCtx);
      if (id) setClaims(draft.idToken, id, 'id_token', script.name, refusedHookClaim, claimCtx);
      const scopes = scopeList(at?.scope);
      if (scopes) {
        scopeChange(script.name, draft.scopes, scopes, why);
        draft.scopes = scopes;
      }
    }

    const first = fromAction ?? 0;
    if (ext.postLoginActions.length > first) {
      const { ops } = (await run({
        kind: 'actions-post-login',
        tenant: login.tenant.name,
        scripts: ext.postLoginActions.slice(first),
        input: [JSON.stringify({ ...postLoginEvent(login), secrets: ext.secrets })],
        canRedirect: flow.interactive,
        ...(fromAction === undefined ? {} : { continued: true }),
      }).catch((err: unknown) => {
        throw asOAuthError(err, (f) => new AccessDenied(f.message));
      })) as { ops: ActionOp[] };
      applyPostLoginOps(env, login, ops, draft, claimCtx, first);
    }
  } finally {
    why.flush(env.sandbox, tag, `${login.user.email} via ${login.client.clientId}`);
  }
  return draft;
}

/** A rule's `context.redirect`; one without a URL string cannot be followed, and is ignored with a warning. */
function ruleRedirect(redirect: unknown, sandbox: Sandbox, tag: Tag): { url: string } | undefined {
  const url = (redirect as { url?: unknown }).url;
  if (typeof url === 'string') return { url };
  // NOTE(emulator): Auth0's answer to a redirect without a URL is not documented.
  sandbox.note(tag, '-', 'warn', 'context.redirect ignored: it has no url string');
  return undefined;
}

export interface ActionOp {
  file: string;
  op: string;
  key?: string;
  value?: unknown;
  reason?: string;
  code?: string;
  url?: string;
  /** A redirect's Action, by its index in the job's scripts. */
  index?: number;
}

/** Applies the Actions' operations to the draft; `first` is the index (in the tenant's list) of the job's first Action. */
function applyPostLoginOps(env: ExtensionEnv, login: Login, ops: ActionOp[], draft: UserTokenDraft, ctx: { sandbox: Sandbox; tag: Tag; why: Explanation }, first: number): void {
  let failure: OAuthError | undefined;
  for (const op of ops) {
    switch (op.op) {
      case 'accessToken.claim':
        setClaims(draft.accessToken, { [op.key!]: op.value }, 'access_token', op.file, refusedClaim, ctx);
        break;
      case 'idToken.claim':
        setClaims(draft.idToken, { [op.key!]: op.value }, 'id_token', op.file, refusedClaim, ctx);
        break;
      case 'accessToken.addScope':
      case 'accessToken.removeScope': {
        const value = String(op.value);
        const next = op.op === 'accessToken.addScope' ? [...new Set([...draft.scopes, value])] : draft.scopes.filter((s) => s !== value);
        scopeChange(op.file, draft.scopes, next, ctx.why);
        draft.scopes = next;
        break;
      }
      // Metadata changes persist even when the login is then denied (reference §10.1).
      case 'user.appMetadata':
      case 'user.userMetadata': {
        const field = op.op === 'user.appMetadata' ? 'app_metadata' : 'user_metadata';
        // The one key that is no ordinary property (see refusedClaim): refused here too.
        const reason = op.key === '__proto__' ? refusedClaim(op.key) : undefined;
        if (reason) {
          ctx.sandbox.note(ctx.tag, op.file, 'warn', `${field} key "${op.key}" ignored: ${reason}`);
          break;
        }
        env.users.setMetadata(login.user.userId, op.op === 'user.appMetadata' ? 'app' : 'user', op.key!, op.value);
        ctx.why.add(op.file, `${field}.${op.key} set`);
        break;
      }
      case 'deny':
        failure ??= new AccessDenied(op.reason ?? '');
        break;
      case 'multifactor':
        failure ??= new OAuthError(403, 'mfa_required', 'Multifactor authentication required', { extra: { mfa_token: `emulator-mfa-${login.request.id}` } });
        break;
      case 'redirect':
        // The worker ran no Action after this one (the pipeline is suspended there); a denial still wins.
        if (login.flow.interactive) draft.redirect ??= { url: op.url!, from: { after: 'action', index: first + (op.index ?? 0) } };
        // canRedirect() is false in the other flows: a redirect there is interaction_required.
        else failure ??= new OAuthError(403, 'interaction_required', 'Redirect is not possible in this flow');
        break;
    }
  }
  if (failure) throw failure;
}
