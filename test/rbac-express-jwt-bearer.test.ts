/**
 * The issue's "done when": Auth0's Express API SDK (express-oauth2-jwt-bearer, the real library, in-process)
 * accepts a token of a user whose role grants the permission and rejects one whose role does not, both with
 * `requiredScopes` and with `claimIncludes('permissions', …)`. Tokens come from the password grant; the
 * library finds the JWKS through the emulator's discovery document.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { auth, claimIncludes, requiredScopes } from 'express-oauth2-jwt-bearer';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startEmulator, type TestEmulator } from './helpers.js';

const ORDERS = 'https://orders.example';

let t: TestEmulator;
let server: Server;
let api: ReturnType<typeof supertest>;
beforeAll(async () => {
  t = await startEmulator({ config: fixture('rbac/auth.config.yaml') });
  const issuer = (await t.http.get('/.well-known/openid-configuration')).body.issuer as string;
  const app = express();
  app.use(auth({ issuerBaseURL: issuer, audience: ORDERS }));
  app.get('/orders', requiredScopes('read:orders'), (req, res) => res.json({ sub: req.auth!.payload.sub }));
  app.post('/orders', claimIncludes('permissions', 'write:orders'), (req, res) => res.json({ sub: req.auth!.payload.sub }));
  app.use((err: { status?: number; code?: string; message: string; headers?: Record<string, string> }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status ?? 500).set(err.headers ?? {}).json({ error: err.code, message: err.message });
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  api = supertest(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

async function tokenOf(username: string, scope: string): Promise<string> {
  const res = await t.http
    .post('/oauth/token')
    .send({ grant_type: 'password', username, password: 'pw', client_id: 'app', client_secret: 'app-secret', audience: ORDERS, scope })
    .expect(200);
  return res.body.access_token as string;
}

describe('express-oauth2-jwt-bearer against RBAC tokens', () => {
  it('requiredScopes: accepts a user whose role grants the scope, rejects one without the role', async () => {
    const reader = await tokenOf('reader@x.example', 'read:orders');
    await api.get('/orders').auth(reader, { type: 'bearer' }).expect(200);

    const nobody = await tokenOf('nobody@x.example', 'read:orders');
    const refused = await api.get('/orders').auth(nobody, { type: 'bearer' }).expect(403);
    expect(refused.body).toEqual({ error: 'insufficient_scope', message: 'Insufficient Scope' });
  });

  it("claimIncludes('permissions', …): accepts a user whose role grants the permission, rejects one whose roles do not", async () => {
    const writer = await tokenOf('writer@x.example', 'read:orders');
    await api.post('/orders').auth(writer, { type: 'bearer' }).expect(200);

    const reader = await tokenOf('reader@x.example', 'read:orders write:orders');
    const refused = await api.post('/orders').auth(reader, { type: 'bearer' }).expect(401);
    expect(refused.body).toEqual({ error: 'invalid_token', message: "Unexpected 'permissions' value" });
  });
});
