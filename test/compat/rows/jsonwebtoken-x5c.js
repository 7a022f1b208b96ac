// The pattern of many Auth0 samples (and auth0-PHP): fetch the JWKS, find the key by kid, wrap x5c[0] as a PEM
// certificate and verify with jsonwebtoken. Needs the JWKS's x5c, as Auth0 publishes it.
import jwt from 'jsonwebtoken';

export const library = 'jsonwebtoken with the PEM certificate of x5c[0] (Auth0 samples)';
export const packages = ['jsonwebtoken'];
export const settings = 'JWKS URL, issuer, audience';

export async function resourceServer({ issuer, jwksUri, audience }) {
  const { keys } = await (await fetch(jwksUri)).json();
  const certificates = new Map(keys.filter((k) => k.use === 'sig' && k.x5c?.length).map((k) => [k.kid, `-----BEGIN CERTIFICATE-----\n${k.x5c[0].match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`]));
  return {
    async accepts(token) {
      const certificate = certificates.get(jwt.decode(token, { complete: true })?.header.kid);
      if (!certificate) return false;
      try {
        jwt.verify(token, certificate, { audience, issuer, algorithms: ['RS256'] });
        return true;
      } catch {
        return false;
      }
    },
  };
}
