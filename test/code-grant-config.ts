/**
 * The config of the authorization-code tests, and a way to put codes in the emulator's store as /authorize does: one tenant with an API that allows offline access and the clients
 * a browser login meets: a SPA (public, PKCE, rotating refresh tokens), a regular web app with each secret method,
 * a client without the authorization_code grant.
 */
import { createHash } from 'node:crypto';
import { vi } from 'vitest';
import type { AuthEmulatorConfig } from '../src/index.js';
import { AuthorizationCodes, type AuthorizationCodeRecord } from '../src/store/authorization-codes.js';
import type { TestEmulator } from './helpers.js';

export const CODE_API = 'https://api.code.test';
export const SPA_ORIGIN = 'http://localhost:3000';
export const SPA_CALLBACK = `${SPA_ORIGIN}/callback`;
export const WEB_CALLBACK = 'http://localhost:4000/auth/callback';
export const SPA = { client_id: 'code-spa' } as const;
export const WEB_POST = { client_id: 'web-post', client_secret: 'web-post-secret' } as const;
export const WEB_BASIC = { client_id: 'web-basic', client_secret: 'web-basic-secret' } as const;
export const NO_CODE = { client_id: 'no-code', client_secret: 'no-code-secret' } as const;
export const USER = { email: 'ada@example.test', password: 'pwd' } as const;

export const CODE_CONFIG: AuthEmulatorConfig = {
  tenants: [
    {
      name: 'dev',
      default_directory: 'db',
      apis: [{ identifier: CODE_API, scopes: ['read:data'], allow_offline_access: true }],
      clients: [
        {
          ...SPA,
          name: 'SPA',
          app_type: 'spa',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          callbacks: [SPA_CALLBACK],
          web_origins: [SPA_ORIGIN],
          allowed_origins: ['https://*.cors.example'],
          refresh_token: { rotation_type: 'rotating' },
        },
        {
          ...WEB_POST,
          name: 'Web (post)',
          app_type: 'regular_web',
          token_endpoint_auth_method: 'client_secret_post',
          grant_types: ['authorization_code', 'refresh_token'],
          callbacks: [WEB_CALLBACK],
        },
        {
          ...WEB_BASIC,
          name: 'Web (basic)',
          app_type: 'regular_web',
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code'],
          callbacks: [WEB_CALLBACK],
        },
        { ...NO_CODE, name: 'No code', app_type: 'non_interactive', token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'], callbacks: [WEB_CALLBACK] },
      ],
      connections: [{ name: 'db', users: [{ ...USER, name: 'Ada' }, { email: 'blocked@example.test', password: 'pwd', blocked: true }, { email: 'grace@example.test', password: 'pwd' }] }],
    },
  ],
};

export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
/** RFC 7636's example verifier: the codes `issueCode` makes are asked for with its S256 challenge. */
export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

/**
 * Issues codes into a CODE_CONFIG emulator's store as /authorize leaves them after a login (by default: USER at
 * the SPA, PKCE S256 with VERIFIER, the API, openid profile offline_access). The store's code repository is
 * caught on its first use, by a token request with an unknown code (one emulator at a time: the spy is the class's).
 */
export async function codeIssuer(t: TestEmulator): Promise<(record?: Partial<AuthorizationCodeRecord>) => Promise<string>> {
  let codes: AuthorizationCodes | undefined;
  const redeem = AuthorizationCodes.prototype.redeem;
  const spy = vi.spyOn(AuthorizationCodes.prototype, 'redeem').mockImplementation(function (this: AuthorizationCodes, code: string) {
    codes ??= this;
    return redeem.call(this, code);
  });
  try {
    await t.http.post('/oauth/token').send({ grant_type: 'authorization_code', ...SPA, code: 'catch-the-repository' }).expect(403);
  } finally {
    spy.mockRestore();
  }
  const userId = t.emulator.getUser(USER.email)!.user_id;
  const now = () => Math.floor(t.emulator.clock.now() / 1000);
  const scopes = ['openid', 'profile', 'offline_access'];
  return (record = {}) =>
    codes!.issue({
      tenant: 'dev',
      clientId: SPA.client_id,
      redirectUri: SPA_CALLBACK,
      codeChallenge: s256(VERIFIER),
      codeChallengeMethod: 'S256',
      nonce: 'n-0S6_WzA2Mj',
      userId,
      connection: 'db',
      sessionId: 'session-1',
      authTime: now() - 5,
      audience: CODE_API,
      scopes,
      requestedScopes: scopes,
      draft: { scopes, accessToken: {}, idToken: {} },
      issuedAt: now(),
      ...record,
    });
}
