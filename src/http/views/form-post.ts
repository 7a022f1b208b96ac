/**
 * response_mode=form_post (browser flows reference §4.2): a page whose form posts the response parameters to
 * the callback as soon as it loads. NOTE(emulator): Auth0's exact markup is not confirmed (reference §11.12);
 * this is the OAuth 2.0 Form Post Response Mode's example, with a button for browsers without JavaScript.
 */
import { html } from './html.js';

export function formPostPage(action: string, fields: readonly (readonly [string, string])[]): string {
  const inputs = fields.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}"/>\n`);
  return html`<html><head><title>Submit This Form</title></head><body onload="javascript:document.forms[0].submit()">
<form method="post" action="${action}">
${inputs}<noscript><button type="submit">Continue</button></noscript>
</form>
</body></html>
`.toString();
}
