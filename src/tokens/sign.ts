/**
 * JWT signing on the hot path. The compact JWS is assembled here and signed with node:crypto's
 * asynchronous `sign`, which runs on libuv's thread pool, so both cores sign under load (jose's
 * WebCrypto path is measurably slower here; see issue 6). Keys are KeyObjects imported once.
 * Verification stays with jose, which refuses `alg: none` and anything outside the allowed list.
 */
import { createHmac, sign as rsaSign, type KeyObject } from 'node:crypto';

const b64url = (value: object) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export interface Signer {
  readonly alg: 'RS256' | 'HS256';
  sign(payload: object): Promise<string>;
}

export function rs256Signer(privateKey: KeyObject, kid: string): Signer {
  const header = b64url({ alg: 'RS256', typ: 'JWT', kid });
  return {
    alg: 'RS256',
    sign(payload) {
      const input = `${header}.${b64url(payload)}`;
      return new Promise((resolve, reject) => {
        rsaSign('sha256', Buffer.from(input, 'utf8'), privateKey, (err, signature) => {
          if (err) reject(err);
          else resolve(`${input}.${signature.toString('base64url')}`);
        });
      });
    },
  };
}

/** HS256 tokens carry no `kid`, as Auth0's HS256 access and ID tokens don't. */
export function hs256Signer(secret: KeyObject): Signer {
  const header = b64url({ alg: 'HS256', typ: 'JWT' });
  return {
    alg: 'HS256',
    async sign(payload) {
      const input = `${header}.${b64url(payload)}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    },
  };
}
