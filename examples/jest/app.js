/**
 * The app under test: a tiny notes API that trusts Auth0 access tokens, as it would in production. Nothing
 * here knows about the emulator; the tests give it the emulator's issuer instead of the real tenant's.
 *
 *   GET  /notes   the caller's notes (scope read:notes)
 *   POST /notes   add one, body {"text": "…"} (scope write:notes)
 */
import { createServer } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {{ issuer: string, audience: string, now?: () => number }} options  the tenant's issuer (with the
 *   trailing slash), the API identifier, and the epoch milliseconds tokens are checked against (tests pass
 *   the emulator's clock)
 */
export function createApp({ issuer, audience, now = Date.now }) {
  const jwks = createRemoteJWKSet(new URL('.well-known/jwks.json', issuer));
  const notes = new Map();

  async function authorize(req, scope) {
    const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) throw new HttpError(401, 'unauthorized', 'No bearer token');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer, audience, algorithms: ['RS256'], currentDate: new Date(now()) }));
    } catch (err) {
      throw new HttpError(401, 'invalid_token', err instanceof errors.JWTExpired ? 'The token has expired' : 'Invalid token');
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes(scope)) throw new HttpError(403, 'insufficient_scope', `Needs ${scope}`);
    return payload;
  }

  async function handle(req, res) {
    if (req.url !== '/notes') throw new HttpError(404, 'not_found', 'Not found');
    if (req.method === 'GET') {
      const { sub } = await authorize(req, 'read:notes');
      return { notes: notes.get(sub) ?? [] };
    }
    if (req.method === 'POST') {
      const { sub } = await authorize(req, 'write:notes');
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const { text } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      notes.set(sub, [...(notes.get(sub) ?? []), text]);
      res.statusCode = 201;
      return { text };
    }
    throw new HttpError(405, 'method_not_allowed', 'Method not allowed');
  }

  return createServer((req, res) => {
    handle(req, res).then(
      (body) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(body));
      },
      (err) => {
        const e = err instanceof HttpError ? err : new HttpError(500, 'server_error', 'Internal error');
        // RFC 6750: a request without a token gets a bare challenge; a bad token or scope says why.
        if (e.status === 401 || e.status === 403) {
          res.setHeader('WWW-Authenticate', e.code === 'unauthorized' ? 'Bearer' : `Bearer error="${e.code}", error_description="${e.message}"`);
        }
        res.statusCode = e.status;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ error: e.code, error_description: e.message }));
      },
    );
  });
}
