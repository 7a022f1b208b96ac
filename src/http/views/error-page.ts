/**
 * Auth0's generic error page, what a browser gets for an error at a browser endpoint (`/authorize` with an
 * unknown client, say): "Oops!, something went wrong", the tenant's friendly name, the error as
 * `error: error_description` under "technical details", and a tracking id (reference: auth0-browser-flows.md
 * §1.3). The tracking id is the request's id, the one its log line shows.
 * NOTE(emulator): Auth0's exact markup and its other sentences are not confirmed; this page keeps the parts
 * above (with ids tests can select) and no external assets, so it works offline.
 */
import { html, raw, type Html } from './html.js';

export interface ErrorPage {
  error: string;
  description: string;
  /** The tenant's friendly name, when the request reached a tenant. */
  tenant?: string | undefined;
  trackingId?: string | undefined;
}

const STYLE = raw(`
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1e212a; background: #f3f4f6; }
  main { max-width: 30rem; margin: 10vh auto; padding: 2.5rem; background: #fff; border-radius: 5px; box-shadow: 0 12px 40px rgba(0, 0, 0, .12); }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  .tenant { color: #65676e; margin: 0 0 .5rem; }
  .details { margin-top: 2rem; padding-top: 1rem; border-top: 1px solid #c9cace; font-size: .875rem; }
  .details h2 { font-size: .75rem; letter-spacing: .08em; text-transform: uppercase; color: #65676e; margin: 0 0 .5rem; }
  code { font: .875rem/1.4 ui-monospace, Menlo, Consolas, monospace; word-break: break-word; }
`);

export function errorPage(page: ErrorPage): string {
  const tenant: Html | string = page.tenant === undefined ? '' : html`<p class="tenant" id="tenant-name">${page.tenant}</p>\n`;
  const tracking = page.trackingId === undefined ? '' : html`<p>Tracking ID: <code id="tracking-id">${page.trackingId}</code></p>\n`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Error</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${tenant}<h1>Oops!, something went wrong</h1>
<p>The request could not be completed. The technical details below say why.</p>
<section class="details" aria-labelledby="details-title">
<h2 id="details-title">Technical details</h2>
<p><code id="error-details">${page.error}: ${page.description}</code></p>
${tracking}</section>
</main>
</body>
</html>
`.toString();
}
