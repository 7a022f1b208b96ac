// express-oauth2-jwt-bearer: Auth0's current Express API quickstart.
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { serve } from '../http-server.js';

export const library = 'express-oauth2-jwt-bearer';
export const packages = ['express-oauth2-jwt-bearer'];
export const settings = 'issuerBaseURL, audience';

export async function resourceServer({ issuer, audience }) {
  const app = express();
  app.get('/api/private', auth({ issuerBaseURL: issuer, audience }), (req, res) => res.json({ sub: req.auth.payload.sub }));
  // Its errors carry the status (401, with a WWW-Authenticate header): answer with it, without express's stack trace.
  app.use((err, req, res, next) => res.status(err.status ?? 500).set(err.headers ?? {}).json({ error: err.code }));
  return serve(app);
}
