/**
 * The config of the authorization-code tests: one tenant with an API that allows offline access and the clients
 * a browser login meets: a SPA (public, PKCE, rotating refresh tokens), a regular web app with each secret method,
 * a client without the authorization_code grant.
 */
import type { AuthEmulatorConfig } from '../src/index.js';

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
      connections: [{ name: 'db', users: [{ ...USER, name: 'Ada' }, { email: 'blocked@example.test', password: 'pwd', blocked: true }] }],
    },
  ],
};
