/**
 * The login page, shaped like Auth0's New Universal Login (browser flows reference §2.2, §2.3) so that
 * end-to-end tests written against Auth0 work unchanged: `#username`, `#password`, the primary
 * `button[name=action][value=default]` "Continue", errors in `#error-element-<field>` with Auth0's
 * `data-error-code`. Beyond Auth0, for local development: one "continue as" button per user of the directory.
 * Self-contained (inline CSS, no script, no external asset), so it works offline.
 */
import type { FieldError, LoginPage } from '../../authorize/login.js';
import { html, raw, type Html } from './html.js';

const STYLE = raw(`
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1e212a; background: #f3f4f6; }
  main { max-width: 25rem; margin: 8vh auto; padding: 2.5rem; background: #fff; border-radius: 5px; box-shadow: 0 12px 40px rgba(0, 0, 0, .12); }
  header { text-align: center; margin-bottom: 1.5rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
  header p { margin: 0; color: #65676e; font-size: .875rem; }
  .field { margin-bottom: 1rem; }
  label { display: block; font-size: .875rem; margin-bottom: .25rem; }
  input[type=text], input[type=password] { width: 100%; padding: .75rem; font: inherit; border: 1px solid #c9cace; border-radius: 3px; }
  input:focus-visible, button:focus-visible { outline: 2px solid #635dff; outline-offset: 2px; }
  input[aria-invalid=true] { border-color: #d03c38; }
  .ulp-input-error-message { display: block; margin-top: .25rem; color: #d03c38; font-size: .875rem; }
  .ulp-input-error-icon::before { content: "\\26A0\\FE0E"; margin-right: .25rem; }
  button { width: 100%; padding: .75rem; font: inherit; border-radius: 3px; cursor: pointer; }
  button[data-action-button-primary=true] { border: 0; background: #635dff; color: #fff; margin-top: .5rem; }
  .continue-as { margin-top: 2rem; padding-top: 1rem; border-top: 1px solid #c9cace; }
  .continue-as h2 { font-size: 1rem; margin: 0 0 .25rem; }
  .continue-as p { margin: 0 0 .75rem; color: #65676e; font-size: .875rem; }
  .continue-as ul { list-style: none; margin: 0; padding: 0; }
  .continue-as li + li { margin-top: .5rem; }
  .continue-as button { border: 1px solid #c9cace; background: #fff; color: inherit; text-align: left; }
  .continue-as .email { display: block; color: #65676e; font-size: .875rem; }
`);

/** An input's error: Auth0's markup (the id `error-element-<field>` is what tests select). */
function fieldError(field: string, error: FieldError | undefined): Html | string {
  if (!error) return '';
  return html`<span id="error-element-${field}" class="ulp-input-error-message" data-error-code="${error.code}"><span class="ulp-input-error-icon" role="img" aria-label="Error"></span>${error.text}</span>`;
}

const invalid = (error: FieldError | undefined, field: string) => (error ? html` aria-invalid="true" aria-describedby="error-element-${field}"` : '');

function continueAs(page: LoginPage): Html | string {
  if (!page.continueAs || page.continueAs.users.length === 0) return '';
  const { users, more } = page.continueAs;
  const items = users.map(
    (u) =>
      html`<li><button type="submit" name="continue_as" value="${u.userId}" formnovalidate>${u.name}${u.name === u.email ? '' : html`<span class="email">${u.email}</span>`}</button></li>\n`,
  );
  const rest = more > 0 ? html`<p>${more} more ${more === 1 ? 'user' : 'users'} not listed: log in with a password above.</p>` : '';
  return html`<section class="continue-as" aria-labelledby="continue-as-title">
<h2 id="continue-as-title">Continue as</h2>
<p>The emulator's shortcut for local development: log in as one of these users without a password.</p>
<ul>
${items}</ul>
${rest}</section>
`;
}

export function loginPage(page: LoginPage): string {
  const { username: usernameError, password: passwordError } = page.errors;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in | ${page.tenantName}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>Welcome</h1>
<p>Log in to ${page.tenantName} to continue to ${page.clientName}.</p>
</header>
<form method="post" data-form-primary="true">
<input type="hidden" name="state" value="${page.transactionId}">
<div class="field">
<label for="username">${page.usernameLabel}</label>
<input id="username" name="username" type="text" value="${page.username}" inputmode="email" autocomplete="username" autocapitalize="none" spellcheck="false" required${page.username === '' ? raw(' autofocus') : ''}${invalid(usernameError, 'username')}>
${fieldError('username', usernameError)}</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${page.username === '' ? '' : raw(' autofocus')}${invalid(passwordError, 'password')}>
${fieldError('password', passwordError)}</div>
<button type="submit" name="action" value="default" data-action-button-primary="true">Continue</button>
${continueAs(page)}</form>
</main>
</body>
</html>
`.toString();
}
