/**
 * grant_type=authorization_code at /oauth/token (browser flows reference §3): the errors a token request can
 * meet without a login first. The exchanges of real codes are in authorization-code-flow.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, startEmulator, type TestEmulator } from './helpers.js';
import { CODE_CONFIG, NO_CODE, SPA, SPA_CALLBACK, WEB_BASIC, WEB_CALLBACK, WEB_POST } from './code-grant-config.js';

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator({ config: CODE_CONFIG });
});
afterAll(() => t.close());

const token = (body: Record<string, string>) => t.http.post('/oauth/token').type('form').send(form(body));
const INVALID_CODE = { error: 'invalid_grant', error_description: 'Invalid authorization code' };
const UNAUTHORIZED = { error: 'access_denied', error_description: 'Unauthorized' };

describe('grant_type=authorization_code, before any code', () => {
  it('an unknown code: 403 invalid_grant "Invalid authorization code", for public and confidential clients', async () => {
    const spa = await token({ grant_type: 'authorization_code', ...SPA, code: 'no-such-code', code_verifier: 'x'.repeat(43), redirect_uri: SPA_CALLBACK });
    expect([spa.status, spa.body]).toEqual([403, INVALID_CODE]);
    const web = await token({ grant_type: 'authorization_code', ...WEB_POST, code: 'no-such-code', redirect_uri: WEB_CALLBACK });
    expect([web.status, web.body]).toEqual([403, INVALID_CODE]);
    expect(web.headers['cache-control']).toBe('no-store');
  });

  it('no code: 400 invalid_request', async () => {
    const res = await token({ grant_type: 'authorization_code', ...WEB_POST, redirect_uri: WEB_CALLBACK });
    expect([res.status, res.body]).toEqual([400, { error: 'invalid_request', error_description: 'Missing required parameter: code' }]);
  });

  it('a client without the grant: 403 unauthorized_client, with error_uri', async () => {
    const res = await token({ grant_type: 'authorization_code', ...NO_CODE, code: 'whatever' });
    expect([res.status, res.body]).toEqual([
      403,
      { error: 'unauthorized_client', error_description: "Grant type 'authorization_code' not allowed for the client.", error_uri: 'https://auth0.com/docs/clients/client-grant-types' },
    ]);
  });

  it('a confidential client that sends no secret, a wrong one, or one by the other method: 401 access_denied "Unauthorized" (the code is not looked at)', async () => {
    for (const res of [
      await token({ grant_type: 'authorization_code', client_id: WEB_POST.client_id, code: 'whatever' }),
      await token({ grant_type: 'authorization_code', client_id: WEB_POST.client_id, client_secret: 'wrong', code: 'whatever' }),
      await token({ grant_type: 'authorization_code', ...WEB_BASIC, code: 'whatever' }),
      await t.http.post('/oauth/token').auth(WEB_POST.client_id, WEB_POST.client_secret).type('form').send(form({ grant_type: 'authorization_code', code: 'whatever' })),
    ]) {
      expect([res.status, res.body]).toEqual([401, UNAUTHORIZED]);
    }
  });
});
