/**
 * response_mode=web_message (browser flows reference §4.3): a page that posts
 * `{type: "authorization_response", response}` to the window that opened it (a popup) or framed it (silent
 * authentication's hidden iframe), at the callback's origin only. Shaped as Auth0's (the web message
 * response mode draft). It must be frameable: its route sends no X-Frame-Options.
 */
import { html, raw } from './html.js';

/** JSON that is safe inside a <script> element: no `<`, `>`, `&` or line separators left as they are. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function webMessagePage(origin: string, response: Readonly<Record<string, string>>): string {
  return html`<!DOCTYPE html>
<html>
<head><title>Authorization Response</title></head>
<body>
<script type="text/javascript">
(function(window, document) {
  var targetOrigin = ${raw(scriptJson(origin))};
  var authorizationResponse = {type: "authorization_response", response: ${raw(scriptJson(response))}};
  var mainWin = (window.opener) ? window.opener : window.parent;
  mainWin.postMessage(authorizationResponse, targetOrigin);
})(this, this.document);
</script>
</body>
</html>
`.toString();
}
