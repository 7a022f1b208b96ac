/**
 * Reads a POST body into Params. Accepts `application/json` and `application/x-www-form-urlencoded`
 * (Auth0 accepts both, reference §1); caps the size; refuses invalid UTF-8, malformed JSON and repeated
 * form parameters (RFC 6749 §3.2: parameters must not be repeated).
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { InvalidRequest, PayloadTooLarge } from '../oauth/errors.js';
import { KNOWN_PARAMETERS } from '../endpoints/parameters.js';
import { toParams, type Params } from '../oauth/params.js';

export const BODY_LIMIT_BYTES = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The whole body as text (koa-free: the fast lane reads bodies with it too).
 * Read here rather than with raw-body, whose import loads iconv-lite's tables (7 MB of RSS, measured)
 * for a charset conversion this server never does: bodies are UTF-8.
 */
export async function readBodyText(req: IncomingMessage): Promise<string> {
  const raw = await readRaw(req);
  try {
    return utf8.decode(raw);
  } catch {
    throw new InvalidRequest('The request body is not valid UTF-8');
  }
}

const unreadable = (why: string) => new InvalidRequest('The request body could not be read', { logDetail: why });
const tooLarge = () => new PayloadTooLarge(`Request body is larger than ${BODY_LIMIT_BYTES} bytes`);

function readRaw(req: IncomingMessage): Promise<Buffer> {
  const declared = req.headers['content-length'];
  const length = declared === undefined ? undefined : Number(declared);
  // Refused before reading: node discards the unread body once the answer is sent.
  if (length !== undefined && length > BODY_LIMIT_BYTES) return Promise.reject(tooLarge());
  if (req.readableEnded || req.destroyed || !req.readable) return Promise.reject(unreadable('the request is closed or its body was read'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const settle = (err: Error | undefined) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > BODY_LIMIT_BYTES) return settle(tooLarge());
      chunks.push(chunk);
    };
    const onEnd = () => settle(length !== undefined && received !== length ? unreadable('request size did not match content length') : undefined);
    const onError = (err: Error) => settle(unreadable(err.message));
    const onClose = () => settle(unreadable('request aborted'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
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
  if (type === null) return toParams([], KNOWN_PARAMETERS); // no body at all
  if (type === false && !ctx.get('Content-Type') && (await readBodyText(ctx.req)).trim() === '') return toParams([], KNOWN_PARAMETERS);
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
    if (text.trim() === '') return toParams([], KNOWN_PARAMETERS);
    let data: unknown;
    try {
      data = parseJson(text);
    } catch {
      throw new InvalidRequest('Malformed JSON body');
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidRequest('The JSON body must be an object');
    return toParams(Object.entries(data), KNOWN_PARAMETERS);
  }
  const form = new URLSearchParams(text);
  const seen = new Set<string>();
  for (const key of form.keys()) {
    if (seen.has(key)) throw new InvalidRequest(`Parameter must not be repeated: ${key}`);
    seen.add(key);
  }
  return toParams(form.entries(), KNOWN_PARAMETERS);
}
