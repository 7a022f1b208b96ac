/**
 * The simple Lucene forms test suites send to GET /api/v2/users?q=…: `email:"a@b.c"`, `email:a@b.c`,
 * `name:jo*`, `app_metadata.plan:"gold"`, `_exists_:field`, joined with AND / OR (left to right).
 * Anything else is a 400, as Auth0 answers a query it cannot parse.
 */
import type { Auth0User } from '../model/user-profile.js';
import { ManagementError } from './errors.js';

type Predicate = (user: Auth0User) => boolean;

function field(user: Auth0User, path: string): unknown {
  if (path === 'identities.connection') return user.identities.map((i) => i.connection);
  // Own properties only: `_exists_:constructor` must not find what every object inherits.
  return path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined), user);
}

function matches(value: unknown, expected: string): boolean {
  if (Array.isArray(value)) return value.some((v) => matches(v, expected));
  if (value === undefined || value === null) return false;
  const actual = String(value).toLowerCase();
  const want = expected.toLowerCase();
  return want.endsWith('*') ? actual.startsWith(want.slice(0, -1)) : actual === want;
}

const TERM = /^\s*(?:(_exists_):([\w.]+)|([\w.]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"()]+)))\s*/;

export function parseUserQuery(q: string): Predicate {
  let rest = q.trim();
  let result: Predicate | undefined;
  let join: 'AND' | 'OR' = 'AND';
  while (rest !== '') {
    const m = TERM.exec(rest);
    if (!m) throw new ManagementError(400, `Invalid query string: ${q}`, 'invalid_query_string');
    rest = rest.slice(m[0].length);
    const term: Predicate = m[1]
      ? (u) => field(u, m[2]!) !== undefined
      : (u) => matches(field(u, m[3]!), (m[4] ?? m[5]!).replace(/\\(.)/g, '$1'));
    const previous = result;
    result = previous === undefined ? term : join === 'AND' ? (u) => previous(u) && term(u) : (u) => previous(u) || term(u);
    const op = /^(AND|OR)\s+/.exec(rest);
    if (op) {
      join = op[1] as 'AND' | 'OR';
      rest = rest.slice(op[0].length);
      if (rest === '') throw new ManagementError(400, `Invalid query string: ${q}`, 'invalid_query_string');
    } else join = 'AND';
  }
  return result ?? (() => true);
}
