// express-jwt with jwks-rsa's expressJwtSecret: Auth0's Express API quickstart (before express-oauth2-jwt-bearer).
import express from 'express';
import { expressjwt } from 'express-jwt';
import jwksRsa from 'jwks-rsa';
import { serve } from '../http-server.js';

export const library = 'express-jwt + jwks-rsa';
export const packages = ['express-jwt', 'jwks-rsa'];
export const settings = 'jwksUri, issuer, audience';

export async function resourceServer({ issuer, jwksUri, audience }) {
  const app = express();
  const checkJwt = expressjwt({
    secret: jwksRsa.expressJwtSecret({ cache: true, rateLimit: true, jwksRequestsPerMinute: 5, jwksUri }),
    audience,
    issuer,
    algorithms: ['RS256'],
  });
  app.get('/api/private', checkJwt, (req, res) => res.json({ sub: req.auth.sub }));
  app.use((err, req, res, next) => (err.name === 'UnauthorizedError' ? res.status(401).json({ message: err.message }) : next(err)));
  return serve(app);
}
