/**
 * Reads a POST body into Params. Accepts `application/json` and `application/x-www-form-urlencoded`
 * (Auth0 accepts both, reference §1); caps the size; refuses invalid UTF-8, malformed JSON and repeated
 * form parameters (RFC 6749 §3.2: parameters must not be repeated).
 */
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import type { Context } from 'koa';
import { InvalidRequest, PayloadTooLarge } from '../oauth/errors.js';
import { toParams, type Params } from '../oauth/params.js';

export const BODY_LIMIT_BYTES = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The whole body as text (koa-free: the fast lane reads bodies with it too). */
export async function readBodyText(req: IncomingMessage): Promise<string> {
  let raw: Buffer;
  try {
    raw = await getRawBody(req, { limit: BODY_LIMIT_BYTES, length: req.headers['content-length'] || undefined });
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') throw new PayloadTooLarge(`Request body is larger than ${BODY_LIMIT_BYTES} bytes`);
    throw new InvalidRequest('The request body could not be read', { logDetail: String(type ?? err) });
  }
  try {
    return utf8.decode(raw);
  } catch {
    throw new InvalidRequest('The request body is not valid UTF-8');
  }
}

/** JSON.parse that drops `__proto__` keys at every level, so no body can reach an object's prototype. */
export function parseJson(text: string): unknown {
  // The reviver costs on every value: use it only when the key can be there (JSON may escape it).
  if (!text.includes('__proto__') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
}

/** A JSON body as data (the Management API); an empty body is `{}`. */
export async function readJsonBody(ctx: Context): Promise<unknown> {
  if (ctx.is('application/json') === false) throw new InvalidRequest('Send a JSON body (Content-Type: application/json)');
  const text = await readBodyText(ctx.req);
  if (text.trim() === '') return {};
  try {
    return parseJson(text);
  } catch {
    throw new InvalidRequest('Malformed JSON body');
  }
}

// NOTE(emulator): the descriptions for malformed bodies and unsupported content types are ours; Auth0's
// are not documented. Query parameters are ignored, as Auth0 reads the token request from the body only.
export async function readParams(ctx: Context): Promise<Params> {
  const type = ctx.is('application/json', 'application/x-www-form-urlencoded');
  if (type === null) return toParams([]); // no body at all
  if (type === false && !ctx.get('Content-Type') && (await readBodyText(ctx.req)).trim() === '') return toParams([]);
  if (type === false) {
    throw new InvalidRequest('Unsupported content type: send application/json or application/x-www-form-urlencoded', {
      logDetail: `content-type ${ctx.get('content-type') || '(none)'}`,
    });
  }
  return parseParams(await readBodyText(ctx.req), type as 'application/json' | 'application/x-www-form-urlencoded');
}

/** Params from a body already read, by its media type. */
export function parseParams(text: string, type: 'application/json' | 'application/x-www-form-urlencoded'): Params {
  if (type === 'application/json') {
    if (text.trim() === '') return toParams([]);
    let data: unknown;
    try {
      data = parseJson(text);
    } catch {
      throw new InvalidRequest('Malformed JSON body');
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidRequest('The JSON body must be an object');
    return toParams(Object.entries(data));
  }
  const form = new URLSearchParams(text);
  const seen = new Set<string>();
  for (const key of form.keys()) {
    if (seen.has(key)) throw new InvalidRequest(`Parameter must not be repeated: ${key}`);
    seen.add(key);
  }
  return toParams(form.entries());
}
