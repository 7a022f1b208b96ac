/**
 * Request parameters, as one flat string map with no prototype (so `__proto__` or `constructor` in a body
 * is an ordinary, ignored key). Guards read as assertions and throw Auth0's errors.
 */
import { InvalidRequest, InvalidScope } from './errors.js';

export type Params = Readonly<Record<string, string | undefined>>;

/**
 * Turns a parsed JSON object or form into Params. Strings pass; numbers and booleans are stringified;
 * `scope` may be an array of strings (Auth0: "Scope must be an array or a string"); an object or array
 * for any parameter in `known` (those the emulator reads) is refused; other keys with such values are dropped
 * (their values are never looked at).
 */
export function toParams(entries: Iterable<[string, unknown]>, known: ReadonlySet<string>): Params {
  const params: Record<string, string> = Object.create(null);
  for (const [key, value] of entries) {
    if (typeof value === 'string') params[key] = value;
    else if (!known.has(key)) continue;
    else if (typeof value === 'number' || typeof value === 'boolean') params[key] = String(value);
    else if (value === null || value === undefined) continue;
    else if (key === 'scope' && Array.isArray(value) && value.every((s) => typeof s === 'string')) params[key] = value.join(' ');
    // Auth0's error table lists this text under 400 invalid_scope.
    else if (key === 'scope') throw new InvalidScope('Scope must be an array or a string');
    // NOTE(emulator): the description for a non-string parameter is ours; Auth0's is not documented.
    else throw new InvalidRequest(`Invalid value for parameter: ${key} (expected a string)`);
  }
  return params;
}

export function requireParams<K extends string>(params: Params, ...names: K[]): Record<K, string> {
  for (const name of names) {
    const value = params[name];
    if (value === undefined || value === '') throw new InvalidRequest(`Missing required parameter: ${name}`);
  }
  return params as Record<K, string>;
}

export function splitScope(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(/\s+/).filter(Boolean))];
}
