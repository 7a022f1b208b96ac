/**
 * Answering the application's callback in the response mode (browser flows reference §4): a redirect with the
 * parameters in the query or the fragment, an auto-posting form (form_post), or a page that posts a message to
 * the window that opened it (web_message). Success and error answers take the same way; `state` always goes
 * back as it came.
 */
import type { OAuthError } from '../oauth/errors.js';
import { originOf } from '../oauth/url-match.js';

export type ResponseMode = 'query' | 'fragment' | 'form_post' | 'web_message';

/** Where and how an /authorize request is answered, once its callback is trusted. */
export interface ResponseTarget {
  readonly redirectUri: string;
  readonly mode: ResponseMode;
  readonly state: string | undefined;
}

/** An error that goes to the callback (every error after the redirect_uri was trusted). */
export class CallbackError extends Error {
  readonly target: ResponseTarget;
  readonly error: OAuthError;

  constructor(target: ResponseTarget, error: OAuthError) {
    super(error.description);
    this.name = 'CallbackError';
    this.target = target;
    this.error = error;
  }
}

/** What a step noted for the request's log line: the client, the user, the error sent to the callback. */
export interface FlowNote {
  client?: string;
  user?: string;
  error?: OAuthError;
}

/** What the browser is given: the HTTP layer renders each kind (a 302, or a page). */
export type BrowserAnswer =
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'form_post'; readonly action: string; readonly fields: readonly (readonly [string, string])[] }
  | { readonly kind: 'web_message'; readonly origin: string; readonly response: Readonly<Record<string, string>> };

/** The answer to the callback with these parameters (in this order), `state` last. */
export function answer(target: ResponseTarget, params: Readonly<Record<string, string | undefined>>): BrowserAnswer {
  const fields: [string, string][] = [];
  for (const [key, value] of Object.entries(params)) if (value !== undefined) fields.push([key, value]);
  if (target.state !== undefined) fields.push(['state', target.state]);
  switch (target.mode) {
    case 'form_post':
      return { kind: 'form_post', action: target.redirectUri, fields };
    case 'web_message':
      // request.ts checked that the redirect_uri has an allowed origin.
      return { kind: 'web_message', origin: originOf(target.redirectUri)!, response: Object.fromEntries(fields) };
    case 'query':
    case 'fragment': {
      // Spaces as %20, as Auth0 sends them (a hand-written parser's decodeURIComponent keeps a `+`).
      const encoded = fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      if (target.mode === 'fragment') return { kind: 'redirect', location: `${target.redirectUri}#${encoded}` };
      // A callback may have a query of its own: the parameters are added to it.
      const [base, query] = splitQuery(target.redirectUri);
      return { kind: 'redirect', location: `${base}?${query === '' ? '' : `${query}&`}${encoded}` };
    }
  }
}

/** The error answer: `error`, `error_description`, `state`. */
export function errorAnswer(target: ResponseTarget, error: OAuthError): BrowserAnswer {
  return answer(target, { error: error.error, error_description: error.description });
}

function splitQuery(url: string): [string, string] {
  const at = url.indexOf('?');
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at + 1)];
}
