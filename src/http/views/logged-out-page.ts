/**
 * The page a logout shows when it has nowhere to send the browser (no return URL and no client to take one
 * from). NOTE(emulator): Auth0's answer there is not confirmed (browser flows reference §11 #8); this is ours,
 * with no external assets.
 */
import { html, raw } from './html.js';

const STYLE = raw(`
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1e212a; background: #f3f4f6; }
  main { max-width: 30rem; margin: 10vh auto; padding: 2.5rem; background: #fff; border-radius: 5px; box-shadow: 0 12px 40px rgba(0, 0, 0, .12); }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  .tenant { color: #65676e; margin: 0 0 .5rem; }
`);

export function loggedOutPage(tenant: string): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Logged out</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="tenant" id="tenant-name">${tenant}</p>
<h1>You are logged out</h1>
<p>Your session has ended. You can close this window.</p>
</main>
</body>
</html>
`.toString();
}
