/**
 * The browser login's routes (browser flows reference §1, §2, §4, §9): /authorize, the login page, the resume
 * step and the return from a redirect Action. Each reads the request and the session cookie, calls the
 * koa-free step in authorize/, and renders what it answers: a redirect, a page, or the callback's form_post /
 * web_message page. Errors are Auth0's error page (these routes are `page: true` in routes.ts).
 */
import type { Context, Middleware } from 'koa';
import { authorize } from '../authorize/authorize.js';
import { continueLogin } from '../authorize/continue.js';
import { showLoginPage, submitLogin, type LoginPage } from '../authorize/login.js';
import type { BrowserAnswer, FlowNote } from '../authorize/respond.js';
import { resume } from '../authorize/resume.js';
import type { TenantEnv } from '../endpoints/token.js';
import type { RequestInfo } from '../model/request-info.js';
import type { Tenant } from '../model/tenant.js';
import type { Params } from '../oauth/params.js';
import { parseParams, readParams } from './body.js';
import { readSessionCookie, setSessionCookie } from './session-cookie.js';
import type { TenantState } from './tenant.js';

export interface BrowserDeps {
  env(tenant: Tenant, issuer: string): TenantEnv;
}

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
/** Universal Login's pages are never framed (reference §2.5); they load nothing from elsewhere. */
const PAGE_HEADERS = { ...NO_STORE, 'X-Frame-Options': 'deny', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" };

function requestInfo(ctx: Context): RequestInfo {
  return { id: (ctx.state as { requestId: string }).requestId, ip: ctx.ip, userAgent: ctx.get('User-Agent') || undefined, hostname: ctx.hostname };
}

/** The request's log line shows what the steps note (request-log.ts reads ctx.state). */
const note = (ctx: Context): FlowNote => ctx.state as FlowNote;

/** The query string as Params (a repeated parameter is refused, as in a form body). */
const queryParams = (ctx: Context): Params => parseParams(ctx.querystring, 'application/x-www-form-urlencoded');

/** A GET's parameters are its query; a POST's, its body (a form, or JSON). */
const requestParams = (ctx: Context): Promise<Params> => (ctx.method === 'POST' ? readParams(ctx) : Promise.resolve(queryParams(ctx)));

/**
 * A URL as a Location header can carry it: what is not printable ASCII (a callback or an Action's URL with
 * non-ASCII characters, spaces, control characters) percent-encoded as UTF-8, as browsers would send it.
 */
function headerSafeUrl(url: string): string {
  // A lone surrogate has no UTF-8: U+FFFD stands for it.
  return url.replace(/[^\x21-\x7e]/gu, (c: string) => encodeURIComponent(/^[\ud800-\udfff]$/.test(c) ? '\ufffd' : c));
}

/** Renders a browser answer; the views are loaded on first use (they are not part of start-up). */
async function renderAnswer(ctx: Context, result: BrowserAnswer): Promise<void> {
  ctx.set(NO_STORE);
  if (result.kind === 'redirect') {
    ctx.status = 302;
    ctx.set('Location', headerSafeUrl(result.location));
    ctx.body = '';
    return;
  }
  ctx.status = 200;
  ctx.type = 'text/html; charset=utf-8';
  if (result.kind === 'form_post') {
    const { formPostPage } = await import('./views/form-post.js');
    ctx.body = formPostPage(result.action, result.fields);
  } else {
    // Framed by silent authentication's hidden iframe: no frame restrictions on this page.
    const { webMessagePage } = await import('./views/web-message.js');
    ctx.body = webMessagePage(result.origin, result.response);
  }
}

async function renderLoginPage(ctx: Context, page: LoginPage, status: number): Promise<void> {
  const { loginPage } = await import('./views/login-page.js');
  ctx.status = status;
  ctx.set(PAGE_HEADERS);
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = loginPage(page);
}

export function browserRoutes(deps: BrowserDeps): Record<'authorize' | 'login' | 'authorize-resume' | 'continue', Middleware> {
  const envOf = (ctx: Context) => {
    const { tenant, issuer } = ctx.state as TenantState;
    return deps.env(tenant, issuer);
  };

  return {
    authorize: async (ctx) => {
      const env = envOf(ctx);
      await renderAnswer(ctx, await authorize(env, await requestParams(ctx), readSessionCookie(ctx), requestInfo(ctx), note(ctx)));
    },
    login: async (ctx) => {
      const env = envOf(ctx);
      if (ctx.method !== 'POST') return renderLoginPage(ctx, await showLoginPage(env, queryParams(ctx).state), 200);
      const form = await readParams(ctx);
      const result = await submitLogin(env, form.state ?? queryParams(ctx).state, form, readSessionCookie(ctx), requestInfo(ctx), note(ctx));
      if (result.kind === 'page') return renderLoginPage(ctx, result.page, result.status);
      if (result.kind === 'answer') return renderAnswer(ctx, result.answer);
      setSessionCookie(ctx, env.issuer, result.sessionId, result.cookieMaxAge);
      await renderAnswer(ctx, { kind: 'redirect', location: result.location });
    },
    'authorize-resume': async (ctx) => {
      const env = envOf(ctx);
      await renderAnswer(ctx, await resume(env, queryParams(ctx).state, readSessionCookie(ctx), requestInfo(ctx), note(ctx)));
    },
    continue: async (ctx) => {
      const env = envOf(ctx);
      const params = await requestParams(ctx);
      await renderAnswer(ctx, await continueLogin(env, params.state ?? queryParams(ctx).state, params, readSessionCookie(ctx), requestInfo(ctx), note(ctx)));
    },
  };
}
