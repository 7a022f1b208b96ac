// passport-jwt with jwks-rsa's passportJwtSecret (jwks-rsa's README), on express.
import express from 'express';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import jwksRsa from 'jwks-rsa';
import { serve } from '../http-server.js';

export const library = 'passport-jwt + jwks-rsa';
export const packages = ['passport-jwt', 'passport', 'jwks-rsa'];
export const settings = 'jwksUri, issuer, audience';

export async function resourceServer({ issuer, jwksUri, audience }) {
  passport.use(
    new JwtStrategy(
      {
        secretOrKeyProvider: jwksRsa.passportJwtSecret({ cache: true, rateLimit: true, jwksRequestsPerMinute: 5, jwksUri }),
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        audience,
        issuer,
        algorithms: ['RS256'],
      },
      (payload, done) => done(null, payload),
    ),
  );
  const app = express();
  app.use(passport.initialize());
  app.get('/api/private', passport.authenticate('jwt', { session: false }), (req, res) => res.json({ sub: req.user.sub }));
  return serve(app);
}
