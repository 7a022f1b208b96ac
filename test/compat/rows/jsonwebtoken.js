// jsonwebtoken's verify with a key callback from jwks-rsa (jwks-rsa's README).
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';

export const library = 'jsonwebtoken + jwks-rsa';
export const packages = ['jsonwebtoken', 'jwks-rsa'];
export const settings = 'jwksUri, issuer, audience';

export async function resourceServer({ issuer, jwksUri, audience }) {
  const client = jwksRsa({ jwksUri });
  const getKey = (header, callback) => client.getSigningKey(header.kid, (err, key) => callback(err, key?.getPublicKey()));
  return {
    accepts: (token) => new Promise((resolve) => jwt.verify(token, getKey, { audience, issuer, algorithms: ['RS256'] }, (err) => resolve(!err))),
  };
}
