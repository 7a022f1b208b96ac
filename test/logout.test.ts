/**
 * Logout (browser flows reference §6): `/v2/logout` and `/oidc/logout` over HTTP, with a session started
 * through the programmatic API (the cookies a browser would hold). Every refusal is Auth0's error page (400,
 * whole text asserted) and logs no one out; every logout clears the cookie and redirects where the Allowed
 * Logout URLs permit, or shows the logged-out page.
 */
import { SignJWT } from 'jose';
import { allowInsecureRequests, buildEndSessionUrl, discovery, None } from 'openid-client';
import supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type AuthEmulatorConfig, type Emulator, type StartedSession } from '../src/index.js';

const WEB_SECRET = 'web-app-secret-of-at-least-32-characters';
const config: AuthEmulatorConfig = {
  tenants: [
    {
      name: 'dev',
      default: true,
      friendly_name: 'Dev Tenant',
      allowed_logout_urls: ['http://localhost:3000/bye', 'https://*.example.com/logged-out'],
      clients: [
        { client_id: 'spa', app_type: 'spa', callbacks: ['http://localhost:3000'], allowed_logout_urls: ['http://localhost:3000', 'http://localhost:3000/after?from=logout'] },
        { client_id: 'web', client_secret: WEB_SECRET, app_type: 'regular_web', jwt_configuration: { alg: 'HS256' }, callbacks: ['http://localhost:3000/callback'], allowed_logout_urls: ['http://localhost:3000/'] },
        { client_id: 'bare', app_type: 'spa' },
        { client_id: 'previews', app_type: 'spa', allowed_logout_urls: ['https://*.example.com', 'https://example.com/bye'] },
      ],
      connections: [{ name: 'db', users: [{ email: 'alice@example.com', password: 'pw' }] }],
    },
    { name: 'other', clients: [{ client_id: 'other-spa', app_type: 'spa', allowed_logout_urls: ['http://localhost:3000'] }], connections: [{ name: 'db', users: [{ email: 'alice@example.com', password: 'pw' }] }] },
  ],
};

let emulator: Emulator;
let http: ReturnType<typeof supertest>;
let issuer: string;
beforeAll(async () => {
  emulator = await createEmulator({ config, port: 0 });
  http = supertest(emulator.url!);
  issuer = `${emulator.url}/`;
});
afterAll(() => emulator?.close());
beforeEach(() => emulator.reset());

const cookieHeader = (session: StartedSession) => session.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

/** The text a person reads on a page: tags dropped, entities decoded, white space collapsed. */
function pageText(page: string): string {
  const text = page.replace(/<style>[\s\S]*?<\/style>|<title>[\s\S]*?<\/title>/g, '').replace(/<[^>]+>/g, ' ');
  const decoded = text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return decoded.replace(/\s+/g, ' ').trim();
}

/** Asserts Auth0's error page, whole, for `details` (`error: description`). */
function expectErrorPage(res: supertest.Response, details: string): void {
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-frame-options': 'deny' });
  const tracking = /<code id="tracking-id">([^<]+)<\/code>/.exec(res.text)?.[1];
  expect(pageText(res.text)).toBe(
    `Dev Tenant Oops!, something went wrong The request could not be completed. The technical details below say why. Technical details ${details} Tracking ID: ${tracking}`,
  );
  // A refused logout clears nothing.
  expect(res.headers['set-cookie']).toBeUndefined();
}

/** The Set-Cookie headers that clear the session cookie and its signature at `path`. */
function expectCookieCleared(res: supertest.Response, path = '/'): void {
  const cookies = res.headers['set-cookie'] as unknown as string[];
  expect(cookies).toHaveLength(2);
  expect(cookies[0]).toBe(`auth0=; path=${path}; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly`);
  // koa's cookies sign the empty value too; the past date deletes it all the same.
  expect(cookies[1]).toMatch(new RegExp(`^auth0\\.sig=[\\w-]+; path=${path}; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly$`));
}

/**
 * Whether the browser holding these cookies has a session: silent authentication (prompt=none), which
 * answers a code with a session and login_required without one.
 */
async function hasSession(session: StartedSession): Promise<boolean> {
  const res = await http.get('/authorize').query({ client_id: 'spa', response_type: 'code', redirect_uri: 'http://localhost:3000', prompt: 'none', state: 's' }).set('Cookie', cookieHeader(session));
  expect(res.status).toBe(302);
  const query = new URL(res.headers.location!).searchParams;
  if (query.get('error') === 'login_required') return false;
  expect(query.get('code')).toEqual(expect.any(String));
  return true;
}

const idToken = (client: string) => emulator.idToken({ client, user: 'alice@example.com' });
/** An ID token of the HS256 client, signed with its secret, with any claims (a `sid`, another `iss`). */
const webIdToken = (claims: Record<string, unknown>) =>
  new SignJWT({ iss: issuer, aud: 'web', sub: 'auth0|x', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(WEB_SECRET));

describe('GET /v2/logout', () => {
  it('with client_id and an allowed returnTo: ends the session, clears the cookie, 302 to returnTo as sent', async () => {
    const session = await emulator.startSession({ user: 'alice@example.com' });
    const other = await emulator.startSession({ user: 'alice@example.com' });
    expect(await hasSession(session)).toBe(true);
    const res = await http.get('/v2/logout').query({ client_id: 'spa', returnTo: 'http://localhost:3000' }).set('Cookie', cookieHeader(session));
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('http://localhost:3000');
    expect(res.headers['cache-control']).toBe('no-store');
    expectCookieCleared(res);
    // That session is gone (a later silent authentication needs a login); another browser's is not.
    expect(await hasSession(session)).toBe(false);
    expect(await hasSession(other)).toBe(true);
  });

  it('matches returnTo as Auth0 does: its query and fragment ignored, scheme and host without case, path with case', async () => {
    const allowed = ['http://localhost:3000/?next=%2Fhome', 'http://LOCALHOST:3000/#top', 'http://localhost:3000/after', 'http://localhost:3000/after?other=1'];
    for (const returnTo of allowed) {
      const res = await http.get('/v2/logout').query({ client_id: 'spa', returnTo });
      expect(res.status, returnTo).toBe(302);
    }
    expect((await http.get('/v2/logout').query({ client_id: 'spa', returnTo: 'http://localhost:3000/?next=%2Fhome' })).headers.location).toBe('http://localhost:3000/?next=%2Fhome');
    for (const returnTo of ['http://localhost:3000/After', 'http://localhost:3001', 'https://localhost:3000', 'http://localhost:3000/bye']) {
      const res = await http.get('/v2/logout').query({ client_id: 'spa', returnTo });
      expect(res.status, returnTo).toBe(400);
    }
  });

  it('without client_id, returnTo is checked against the tenant’s Allowed Logout URLs (wildcards included)', async () => {
    const res = await http.get('/v2/logout').query({ returnTo: 'https://pr-12.example.com/logged-out' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://pr-12.example.com/logged-out');
    expectCookieCleared(res);
    expect((await http.get('/v2/logout?returnTo=http%3A%2F%2Flocalhost%3A3000%2Fbye').expect(302)).headers.location).toBe('http://localhost:3000/bye');
  });

  it('refuses a returnTo the client does not allow with Auth0’s page, and keeps the session', async () => {
    const session = await emulator.startSession({ user: 'alice@example.com' });
    const res = await http.get('/v2/logout').query({ client_id: 'spa', returnTo: 'https://evil.example/' }).set('Cookie', cookieHeader(session));
    expectErrorPage(
      res,
      'invalid_request: The "returnTo" querystring parameter "https://evil.example/" is not defined as a valid URL in "Allowed Logout URLs". To add a new URL, please do it here: https://manage.auth0.com/#/applications/spa/settings',
    ); // emulator's status (NOTE(emulator) in src/logout/logout-url.ts)
    expect(await hasSession(session)).toBe(true);
  });

  it('refuses a returnTo the tenant does not allow (no client_id) with the tenant’s settings link', async () => {
    const res = await http.get('/v2/logout').query({ returnTo: 'http://localhost:3000' });
    expectErrorPage(
      res,
      'invalid_request: The "returnTo" querystring parameter "http://localhost:3000" is not defined as a valid URL in "Allowed Logout URLs". To add a new URL, please do it here: https://manage.auth0.com/#/account/advanced',
    ); // emulator's status (NOTE(emulator) in src/logout/logout-url.ts)
  });

  it('sends returnTo back as sent, with what a header cannot carry percent-encoded (never a 500)', async () => {
    const returnTo = 'https://a.example.com/logged-out?msg=bye bye\r\nSet-Cookie: x=1&name=Zoë';
    const res = await http.get('/v2/logout').query({ returnTo }).expect(302);
    expect(res.headers.location).toBe('https://a.example.com/logged-out?msg=bye%20bye%0D%0ASet-Cookie:%20x=1&name=Zo%C3%AB');
    expect(res.headers['set-cookie']).toHaveLength(2);
  });

  it('refuses a returnTo that is no URL even where a wildcard would match its text', async () => {
    const res = await http.get('/v2/logout').query({ returnTo: 'https://a.example.com:99999/logged-out' });
    expectErrorPage(
      res,
      'invalid_request: The "returnTo" querystring parameter "https://a.example.com:99999/logged-out" is not defined as a valid URL in "Allowed Logout URLs". To add a new URL, please do it here: https://manage.auth0.com/#/account/advanced',
    ); // emulator's status (NOTE(emulator) in src/logout/logout-url.ts)
  });

  it('refuses an unknown client_id', async () => {
    expectErrorPage(await http.get('/v2/logout').query({ client_id: 'nope', returnTo: 'http://localhost:3000' }), 'invalid_request: Unknown client: nope'); // emulator's status and wording (NOTE(emulator) in src/logout/logout-url.ts)
  });

  it('refuses a repeated parameter', async () => {
    expectErrorPage(await http.get('/v2/logout?returnTo=http%3A%2F%2Flocalhost%3A3000%2Fbye&returnTo=x'), 'invalid_request: Parameter must not be repeated: returnTo'); // emulator's status and wording (NOTE(emulator) in src/http/body.ts)
  });

  it('with client_id and no returnTo: the client’s first Allowed Logout URL (without a wildcard)', async () => {
    const res = await http.get('/v2/logout').query({ client_id: 'spa' }).expect(302);
    expect(res.headers.location).toBe('http://localhost:3000');
    const previews = await http.get('/v2/logout').query({ client_id: 'previews' }).expect(302);
    expect(previews.headers.location).toBe('https://example.com/bye'); // emulator's choice (NOTE(emulator) in src/logout/logout-url.ts)
  });

  it('with nowhere to go (no client_id and no returnTo, or a client without logout URLs): the logged-out page', async () => {
    for (const query of [{}, { client_id: 'bare' }, { returnTo: '', client_id: '' }]) {
      const session = await emulator.startSession({ user: 'alice@example.com' });
      const res = await http.get('/v2/logout').query(query).set('Cookie', cookieHeader(session));
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'deny' });
      expect(pageText(res.text)).toBe('Dev Tenant You are logged out Your session has ended. You can close this window.'); // emulator's page (NOTE(emulator) in src/http/views/logged-out-page.ts)
      expect(res.text).not.toMatch(/<script|https?:\/\//);
      expectCookieCleared(res);
      expect(await hasSession(session)).toBe(false);
    }
  });

  it('logs out of a path-form tenant with its cookie path, and `federated` changes nothing', async () => {
    const session = await emulator.startSession({ tenant: 'other', user: 'alice@example.com', issuer: `${emulator.url}/other/` });
    expect(session.cookies.map((c) => c.path)).toEqual(['/other/', '/other/']);
    const res = await http.get('/other/v2/logout').query({ client_id: 'other-spa', federated: '' }).set('Cookie', cookieHeader(session)).expect(302);
    expect(res.headers.location).toBe('http://localhost:3000');
    expectCookieCleared(res, '/other/');
  });

  it('answers a Host header that makes no URL (a broken IPv6 literal) as any other, never with a 500', async () => {
    const res = await http.get('/v2/logout').set('Host', '[::1').expect(200);
    expect(pageText(res.text)).toBe('Dev Tenant You are logged out Your session has ended. You can close this window.');
    expectCookieCleared(res);
  });

  it('is in the request log with its client', async () => {
    const seen: { path: string; client?: string; status: number }[] = [];
    const logged = await createEmulator({ config, port: 0, log: (entry) => seen.push(entry) });
    try {
      await supertest(logged.url!).get('/v2/logout').query({ client_id: 'spa' }).expect(302);
      expect(seen.at(-1)).toMatchObject({ path: '/v2/logout', client: 'spa', status: 302 });
    } finally {
      await logged.close();
    }
  });
});

describe('GET|POST /oidc/logout', () => {
  it('with an id_token_hint: the client is its audience; post_logout_redirect_uri matches whole; state is appended', async () => {
    const session = await emulator.startSession({ user: 'alice@example.com' });
    const hint = await idToken('spa');
    const res = await http
      .get('/oidc/logout')
      .query({ id_token_hint: hint, post_logout_redirect_uri: 'http://localhost:3000/after?from=logout', state: 'a b&c' })
      .set('Cookie', cookieHeader(session));
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('http://localhost:3000/after?from=logout&state=a%20b%26c');
    expectCookieCleared(res);
    expect(await hasSession(session)).toBe(false);
  });

  it('as openid-client builds it from discovery, with an ID token of this session and its sid as logout_hint (as nextjs-auth0 sends)', async () => {
    const session = await emulator.startSession({ user: 'alice@example.com' });
    // An ID token from the session, as an app holds it after its login (implicit, silently).
    const silent = await http
      .get('/authorize')
      .query({ client_id: 'spa', response_type: 'id_token', response_mode: 'fragment', redirect_uri: 'http://localhost:3000', scope: 'openid', nonce: 'n', prompt: 'none' })
      .set('Cookie', cookieHeader(session))
      .expect(302);
    const idTokenHint = new URLSearchParams(new URL(silent.headers.location!).hash.slice(1)).get('id_token')!;
    const config = await discovery(new URL(issuer), 'spa', undefined, None(), { execute: [allowInsecureRequests] });
    const url = buildEndSessionUrl(config, { id_token_hint: idTokenHint, logout_hint: session.sessionId, post_logout_redirect_uri: 'http://localhost:3000', state: 'st' });
    expect(url.href.startsWith(`${issuer}oidc/logout?`)).toBe(true);
    const res = await http.get(`${url.pathname}${url.search}`).set('Cookie', cookieHeader(session)).expect(302);
    expect(res.headers.location).toBe('http://localhost:3000?state=st');
    expect(await hasSession(session)).toBe(false);
  });

  it('compares the query too, unlike /v2/logout', async () => {
    const res = await http.get('/oidc/logout').query({ client_id: 'spa', post_logout_redirect_uri: 'http://localhost:3000/after?from=elsewhere' });
    expectErrorPage(
      res,
      'invalid_request: The "post_logout_redirect_uri" querystring parameter "http://localhost:3000/after?from=elsewhere" is not defined as a valid URL in "Allowed Logout URLs". To add a new URL, please do it here: https://manage.auth0.com/#/applications/spa/settings',
    ); // emulator's status (NOTE(emulator) in src/logout/logout-url.ts)
  });

  it('accepts an expired hint, and one signed with the client secret (HS256)', async () => {
    const expired = await emulator.mint({ client: 'spa', user: 'alice@example.com', scope: 'openid', expiresIn: -3600 });
    const res = await http.get('/oidc/logout').query({ id_token_hint: expired.id_token!, post_logout_redirect_uri: 'http://localhost:3000', state: 's1' }).expect(302);
    expect(res.headers.location).toBe('http://localhost:3000?state=s1');
    const hs = await webIdToken({ sid: 'sid-1', exp: Math.floor(Date.now() / 1000) - 10 });
    const web = await http.post('/oidc/logout').type('form').send({ id_token_hint: hs, logout_hint: 'sid-1', client_id: 'web', post_logout_redirect_uri: 'http://localhost:3000/' }).expect(302);
    expect(web.headers.location).toBe('http://localhost:3000/');
  });

  it('without post_logout_redirect_uri: the client’s first Allowed Logout URL (state still appended); with no client, the logged-out page', async () => {
    const res = await http.get('/oidc/logout').query({ client_id: 'spa', state: 'xyz' }).expect(302);
    expect(res.headers.location).toBe('http://localhost:3000?state=xyz');
    const page = await http.get('/oidc/logout').expect(200);
    expect(pageText(page.text)).toBe('Dev Tenant You are logged out Your session has ended. You can close this window.');
    expectCookieCleared(page);
  });

  it('with only a logout_hint, checks against the tenant’s list', async () => {
    const res = await http.get('/oidc/logout').query({ logout_hint: 'some-sid', post_logout_redirect_uri: 'http://localhost:3000/bye' }).expect(302);
    expect(res.headers.location).toBe('http://localhost:3000/bye');
  });

  it('POST takes the same parameters as a form', async () => {
    const session = await emulator.startSession({ user: 'alice@example.com' });
    const res = await http
      .post('/oidc/logout')
      .type('form')
      .set('Cookie', cookieHeader(session))
      .send({ client_id: 'spa', post_logout_redirect_uri: 'http://localhost:3000', state: 'st' })
      .expect(302);
    expect(res.headers.location).toBe('http://localhost:3000?state=st');
    expectCookieCleared(res);
    expect(await hasSession(session)).toBe(false);
  });

  // Every text below but the last is the emulator's, and so is the status of all: NOTE(emulator) in
  // src/logout/oidc-logout.ts, src/logout/id-token-hint.ts and src/logout/logout-url.ts.
  describe('refuses, with Auth0’s error page (400 invalid_request), and logs no one out', () => {
    const cases: [string, () => Promise<Record<string, string>>, string][] = [
      ['a hint that is no JWT', async () => ({ id_token_hint: 'not-a-jwt' }), 'invalid_request: Invalid id_token_hint: it is not a JWT'],
      ['a hint for no client of the tenant', async () => ({ id_token_hint: await webIdToken({ aud: 'someone-else' }) }), 'invalid_request: Invalid id_token_hint: its audience is not a client of this tenant'],
      ['a hint whose signature does not verify', async () => ({ id_token_hint: `${(await idToken('spa')).slice(0, -4)}AAAA` }), 'invalid_request: Invalid id_token_hint: its signature does not verify'],
      ['a hint signed with another secret', async () => ({ id_token_hint: await new SignJWT({ iss: issuer, aud: 'web' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('another-secret-of-32-characters-or-more')) }), 'invalid_request: Invalid id_token_hint: its signature does not verify'],
      ['a hint from another issuer', async () => ({ id_token_hint: await webIdToken({ iss: 'https://elsewhere.example/' }) }), `invalid_request: Invalid id_token_hint: it was issued by https://elsewhere.example/, not by this tenant (${'ISSUER'})`],
      ['a client_id other than the hint’s audience', async () => ({ id_token_hint: await idToken('spa'), client_id: 'web' }), 'invalid_request: The client_id "web" does not match the audience of the id_token_hint ("spa")'],
      ['an unknown client_id', async () => ({ client_id: 'nope' }), 'invalid_request: Unknown client: nope'],
      ['a logout_hint other than the hint’s sid', async () => ({ id_token_hint: await webIdToken({ sid: 'sid-1' }), logout_hint: 'sid-2' }), 'invalid_request: The logout_hint does not match the sid of the id_token_hint'],
      ['a logout_hint with a hint that has no sid', async () => ({ id_token_hint: await idToken('spa'), logout_hint: 'sid-2' }), 'invalid_request: The logout_hint does not match the sid of the id_token_hint'],
      [
        'a post_logout_redirect_uri the tenant does not allow (no client)',
        async () => ({ post_logout_redirect_uri: 'http://localhost:3000' }),
        'invalid_request: The "post_logout_redirect_uri" querystring parameter "http://localhost:3000" is not defined as a valid URL in "Allowed Logout URLs". To add a new URL, please do it here: https://manage.auth0.com/#/account/advanced',
      ],
    ];
    for (const [name, params, details] of cases) {
      it(name, async () => {
        const session = await emulator.startSession({ user: 'alice@example.com' });
        const query = await params();
        expectErrorPage(await http.get('/oidc/logout').query(query).set('Cookie', cookieHeader(session)), details.replace('ISSUER', issuer));
        expectErrorPage(await http.post('/oidc/logout').type('form').send(query).set('Cookie', cookieHeader(session)), details.replace('ISSUER', issuer));
        expect(await hasSession(session)).toBe(true);
      });
    }
  });
});
