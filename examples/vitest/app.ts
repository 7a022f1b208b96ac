/**
 * The app under test: a tiny notes API that trusts Auth0 access tokens, as it would in production. Nothing
 * here knows about the emulator; the tests give it the emulator's issuer instead of the real tenant's.
 *
 *   GET  /notes   the caller's notes (scope read:notes)
 *   POST /notes   add one, body {"text": "…"} (scope write:notes)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

export interface AppOptions {
  /** The tenant's issuer, e.g. https://your-tenant.eu.auth0.com/ (with the trailing slash). */
  issuer: string;
  /** The API identifier the tokens must be for. */
  audience: string;
  /** Epoch milliseconds that tokens are checked against (default Date.now); tests pass the emulator's clock. */
  now?: () => number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createApp({ issuer, audience, now = Date.now }: AppOptions): Server {
  const jwks = createRemoteJWKSet(new URL('.well-known/jwks.json', issuer));
  const notes = new Map<string, string[]>();

  async function authorize(req: IncomingMessage, scope: string): Promise<JWTPayload & { sub: string }> {
    const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) throw new HttpError(401, 'unauthorized', 'No bearer token');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer, audience, algorithms: ['RS256'], currentDate: new Date(now()) }));
    } catch (err) {
      throw new HttpError(401, 'invalid_token', err instanceof errors.JWTExpired ? 'The token has expired' : 'Invalid token');
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes(scope)) throw new HttpError(403, 'insufficient_scope', `Needs ${scope}`);
    return payload as JWTPayload & { sub: string };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    if (req.url !== '/notes') throw new HttpError(404, 'not_found', 'Not found');
    if (req.method === 'GET') {
      const { sub } = await authorize(req, 'read:notes');
      return { notes: notes.get(sub) ?? [] };
    }
    if (req.method === 'POST') {
      const { sub } = await authorize(req, 'write:notes');
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const { text } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text: string };
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
      (err: unknown) => {
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
