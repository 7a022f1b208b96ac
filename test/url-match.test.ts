// Auth0's matching of callback, logout and origin lists (browser flows reference §1.4, §6); the endpoints'
// tests cover them through HTTP, these pin the edge cases of wildcards and normalisation.
import { describe, expect, it } from 'vitest';
import { buildClient } from '../src/model/tenant.js';
import { callbackAllowed, corsOriginAllowed, logoutUrlAllowed, originOf, webOriginAllowed } from '../src/oauth/url-match.js';
import { clientSchema } from '../src/config/schema.js';

const client = (fields: Record<string, unknown>) => buildClient(clientSchema.parse({ client_id: 'c', app_type: 'spa', ...fields }));

describe('Allowed Callback URLs', () => {
  const c = client({ callbacks: ['http://localhost:3000/callback', 'https://*.example.com/cb', 'https://pr-*-app.example.org', 'com.example.app://callback'] });
  it.each([
    ['http://localhost:3000/callback', true],
    ['http://localhost:3000/callback/', false],
    ['http://localhost:3000/Callback', false],
    ['http://localhost:3001/callback', false],
    ['https://localhost:3000/callback', false],
    ['http://localhost:3000/callback?x=1', false],
    ['https://a.example.com/cb', true],
    ['https://a.b.example.com/cb', false],
    ['https://example.com/cb', false],
    ['https://pr-12-app.example.org', true],
    ['https://pr-12-app.example.org/', true],
    ['https://pr--app.example.org', false],
    ['com.example.app://callback', true],
    ['not a url', false],
  ])('%s → %s', (uri, allowed) => expect(callbackAllowed(c, uri)).toBe(allowed));
});

describe('Allowed Logout URLs', () => {
  it('/v2/logout ignores the query and the fragment, and the case of scheme and host', () => {
    expect(logoutUrlAllowed(['http://localhost:3000/'], 'HTTP://LocalHost:3000/?signed=out#x', 'v2')).toBe(true);
    expect(logoutUrlAllowed(['http://localhost:3000/bye'], 'http://localhost:3000/Bye', 'v2')).toBe(false);
  });
  it('/oidc/logout compares the query too', () => {
    expect(logoutUrlAllowed(['http://localhost:3000/'], 'http://localhost:3000/?signed=out', 'oidc')).toBe(false);
    expect(logoutUrlAllowed(['http://localhost:3000/'], 'http://localhost:3000', 'oidc')).toBe(true);
  });
});

describe('origins', () => {
  const c = client({ web_origins: ['http://localhost:3000'], allowed_origins: ['https://*.example.com'], callbacks: ['http://localhost:4000/callback'] });
  it('web origins match the origin only', () => {
    expect(webOriginAllowed(c, 'http://localhost:3000')).toBe(true);
    expect(webOriginAllowed(c, 'http://localhost:3001')).toBe(false);
    expect(webOriginAllowed(client({ web_origins: ['http://localhost:3000/app'] }), 'http://localhost:3000')).toBe(false);
  });
  it('CORS takes web origins, allowed origins and the origins of callbacks', () => {
    expect(corsOriginAllowed(c, 'http://localhost:3000')).toBe(true);
    expect(corsOriginAllowed(c, 'https://app.example.com')).toBe(true);
    expect(corsOriginAllowed(c, 'http://localhost:4000')).toBe(true);
    expect(corsOriginAllowed(c, 'http://localhost:5000')).toBe(false);
    expect(corsOriginAllowed(c, 'null')).toBe(false);
  });
  it('originOf', () => {
    expect(originOf('http://localhost:3000/callback?x')).toBe('http://localhost:3000');
    expect(originOf('https://app.example.com:443/x')).toBe('https://app.example.com');
    expect(originOf('com.example.app://callback')).toBeUndefined();
  });
});
