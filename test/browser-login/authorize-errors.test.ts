/**
 * /authorize's errors, in Auth0's order (browser flows reference §1.3): an unknown client, a callback not
 * allowed, or a web_message origin not allowed get Auth0's error page (400, never a redirect); every later
 * error goes to the callback in the response mode, with error, error_description and state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type TestEmulator } from '../helpers.js';
import { API_ID, config, SPA_ORIGIN, WEB_CALLBACK } from './setup.js';

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator({ config: config() });
});
afterAll(() => t.close());

const authorize = (params: Record<string, string>) => t.http.get(`/authorize?${new URLSearchParams(params)}`).redirects(0);
const CODE = { client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, state: 'xyz' };

/** The technical details line of Auth0's error page. */
const details = (text: string) => /<code id="error-details">(.*)<\/code>/.exec(text)?.[1];

describe('the error page: nothing is sent to an untrusted callback', () => {
  it.each([
    [{}, 'invalid_request: Missing required parameter: client_id'],
    [{ client_id: 'nope', redirect_uri: WEB_CALLBACK }, 'invalid_request: Unknown client: nope'],
    [{ client_id: 'web-app', redirect_uri: 'http://localhost:3000/other' }, 'unauthorized_client: Callback URL mismatch. http://localhost:3000/other is not in the list of allowed callback URLs'],
    // Exact: a trailing slash, another port, another scheme are other URLs.
    [{ client_id: 'web-app', redirect_uri: 'http://localhost:3000/callback/' }, 'unauthorized_client: Callback URL mismatch. http://localhost:3000/callback/ is not in the list of allowed callback URLs'],
    [{ client_id: 'web-app', redirect_uri: 'http://localhost:3001/callback' }, 'unauthorized_client: Callback URL mismatch. http://localhost:3001/callback is not in the list of allowed callback URLs'],
    // The wildcard stands for one label.
    [{ client_id: 'web-app', redirect_uri: 'https://a.b.preview.example.com/callback' }, 'unauthorized_client: Callback URL mismatch. https://a.b.preview.example.com/callback is not in the list of allowed callback URLs'],
    // A client without callbacks cannot default one.
    [{ client_id: 'm2m', redirect_uri: 'http://elsewhere.example/cb' }, 'unauthorized_client: Callback URL mismatch. http://elsewhere.example/cb is not in the list of allowed callback URLs'],
    [
      { client_id: 'spa', response_type: 'code', response_mode: 'web_message', redirect_uri: `${SPA_ORIGIN}/callback?x`, prompt: 'none' },
      `unauthorized_client: Callback URL mismatch. ${SPA_ORIGIN}/callback?x is not in the list of allowed callback URLs`,
    ],
    [
      { client_id: 'web-app', response_type: 'code', response_mode: 'web_message', redirect_uri: WEB_CALLBACK, prompt: 'none', state: 's' },
      `invalid_request: The specified redirect_uri '${WEB_CALLBACK}' does not have a registered origin.`,
    ],
  ])('%o → 400 page "%s"', async (params, text) => {
    const res = await authorize(params as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<h1>Oops!, something went wrong</h1>');
    expect(details(res.text)).toBe(text.replace(/'/g, '&#39;'));
  });

  it('POST /authorize validates a form body the same way', async () => {
    const res = await t.http.post('/authorize').type('form').send({ client_id: 'nope' }).redirects(0);
    expect(res.status).toBe(400);
    expect(details(res.text)).toBe('invalid_request: Unknown client: nope');
  });

  it('a repeated parameter is refused on the page', async () => {
    const res = await t.http.get('/authorize?client_id=web-app&client_id=spa').redirects(0);
    expect(res.status).toBe(400);
    expect(details(res.text)).toBe('invalid_request: Parameter must not be repeated: client_id');
  });
});

describe('errors to the callback, with the state, in the response mode', () => {
  it.each([
    [{ response_type: '' }, `${WEB_CALLBACK}?error=invalid_request&error_description=Missing%20required%20parameter%3A%20response_type&state=xyz`],
    [{ response_type: 'code foo' }, `${WEB_CALLBACK}?error=unsupported_response_type&error_description=Unsupported%20response%20type%3A%20code%20foo&state=xyz`],
    [{ response_mode: 'post' }, `${WEB_CALLBACK}?error=invalid_request&error_description=Unsupported%20response%20mode%3A%20post&state=xyz`],
    // query cannot carry tokens: the error goes in the fragment.
    [
      { response_type: 'id_token', response_mode: 'query', nonce: 'n' },
      `${WEB_CALLBACK}#error=unsupported_response_type&error_description=response_mode%3Dquery%20is%20not%20supported%20with%20response_type%3Did_token&state=xyz`,
    ],
    [{ audience: 'https://nope.example' }, `${WEB_CALLBACK}?error=access_denied&error_description=Service%20not%20found%3A%20https%3A%2F%2Fnope.example&state=xyz`],
    [{ response_type: 'id_token' }, `${WEB_CALLBACK}#error=invalid_request&error_description=Missing%20required%20parameter%3A%20nonce&state=xyz`],
    [{ response_type: 'token id_token', nonce: 'n', scope: 'profile' }, `${WEB_CALLBACK}#error=invalid_request&error_description=response_type%20id_token%20requires%20the%20openid%20scope&state=xyz`],
    [{ code_challenge: 'abc', code_challenge_method: 'S512' }, `${WEB_CALLBACK}?error=invalid_request&error_description=Invalid%20code_challenge_method%3A%20S512%20(use%20S256%20or%20plain)&state=xyz`],
    [{ code_challenge_method: 'S256' }, `${WEB_CALLBACK}?error=invalid_request&error_description=Missing%20required%20parameter%3A%20code_challenge&state=xyz`],
    [{ prompt: 'none login' }, `${WEB_CALLBACK}?error=invalid_request&error_description=prompt%3Dnone%20cannot%20be%20combined%20with%20other%20prompt%20values&state=xyz`],
    [{ max_age: '-1' }, `${WEB_CALLBACK}?error=invalid_request&error_description=max_age%20must%20be%20a%20number%20of%20seconds&state=xyz`],
    [{ connection: 'nope' }, `${WEB_CALLBACK}?error=invalid_request&error_description=the%20connection%20was%20not%20found&state=xyz`],
    [{ prompt: 'none' }, `${WEB_CALLBACK}?error=login_required&error_description=Login%20required&state=xyz`],
  ])('%o → %s', async (extra, location) => {
    const res = await authorize({ ...CODE, ...extra });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(location);
  });

  it('a connection not enabled for the client is not found either', async () => {
    const res = await authorize({ ...CODE, client_id: 'code-only', connection: 'employees' });
    expect(res.headers.location).toBe(`${WEB_CALLBACK}?error=invalid_request&error_description=the%20connection%20was%20not%20found&state=xyz`);
  });

  it('a grant the client does not have: unauthorized_client, Auth0 text', async () => {
    const implicit = await authorize({ ...CODE, client_id: 'code-only', response_type: 'id_token', nonce: 'n', response_mode: 'form_post' });
    expect(implicit.status).toBe(200);
    expect(implicit.text).toContain(`<form method="post" action="${WEB_CALLBACK}">`);
    expect(implicit.text).toContain(`<input type="hidden" name="error" value="unauthorized_client"/>\n<input type="hidden" name="error_description" value="Grant type &#39;implicit&#39; not allowed for the client."/>\n<input type="hidden" name="state" value="xyz"/>`);
    const code = await authorize({ ...CODE, client_id: 'm2m', response_type: 'code' });
    // m2m's defaults have no authorization_code.
    expect(code.headers.location).toBe(`${WEB_CALLBACK}?error=unauthorized_client&error_description=Grant%20type%20'authorization_code'%20not%20allowed%20for%20the%20client.&state=xyz`);
  });

  it('without a state, none is sent back; a state is echoed verbatim', async () => {
    const { state: _s, ...noState } = CODE;
    const res = await authorize({ ...noState, audience: 'x' });
    expect(res.headers.location).toBe(`${WEB_CALLBACK}?error=access_denied&error_description=Service%20not%20found%3A%20x`);
    const odd = await authorize({ ...CODE, state: 'a b&c=d/é', audience: 'x' });
    expect(new URL(odd.headers.location as string).searchParams.get('state')).toBe('a b&c=d/é');
  });

  it('a callback with a query keeps it; a fragment in redirect_uri is dropped', async () => {
    const t2 = await startEmulator({ config: config({ clients: [{ client_id: 'web-app', name: 'Q', app_type: 'regular_web', client_secret: 's', callbacks: ['http://localhost:3000/cb?tenant=a'] }] }) });
    try {
      const res = await t2.http.get(`/authorize?${new URLSearchParams({ client_id: 'web-app', response_type: 'code', redirect_uri: 'http://localhost:3000/cb?tenant=a#frag', audience: 'x' })}`).redirects(0);
      expect(res.headers.location).toBe('http://localhost:3000/cb?tenant=a&error=access_denied&error_description=Service%20not%20found%3A%20x');
    } finally {
      await t2.close();
    }
  });

  it('web_message errors are posted to the callback origin by a frameable page', async () => {
    const res = await authorize({ client_id: 'spa', response_type: 'code', response_mode: 'web_message', redirect_uri: SPA_ORIGIN, prompt: 'none', state: 's<1>' });
    expect(res.status).toBe(200);
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain(`var targetOrigin = "${SPA_ORIGIN}";`);
    expect(res.text).toContain('response: {"error":"login_required","error_description":"Login required","state":"s\\u003c1\\u003e"}};');
  });

  it('without redirect_uri, the first callback is used', async () => {
    const { redirect_uri: _r, ...rest } = CODE;
    const res = await authorize({ ...rest, audience: API_ID + '/nope' });
    expect(res.headers.location).toBe(`${WEB_CALLBACK}?error=access_denied&error_description=Service%20not%20found%3A%20https%3A%2F%2Fapi.example.com%2Fnope&state=xyz`);
  });
});
