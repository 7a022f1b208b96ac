/**
 * Auth0's paging of Management API lists: offset paging (`page` from 0, `per_page` 1–100, default 50) answers
 * a bare array, or with `include_totals=true` `{<list>: [...], start, limit, total}`; checkpoint paging
 * (`from`, `take` 1–100, default 50; clients and client grants) answers `{<list>: [...], next}` where `next`,
 * absent on the last page, is the `from` of the next page. A value out of range or of the wrong type is a 400
 * `invalid_query_string` whose text names the rule and the property as Auth0's validator does (`'Value 1000 is
 * greater than maximum 100' on property per_page (…)`, auth0/node-auth0#648).
 */
import { ManagementError } from './errors.js';

export type Query = Record<string, string | undefined>;

// NOTE(emulator): the property descriptions in the messages are those of Auth0's API documentation; Auth0's
// own texts may differ per endpoint.
const DESCRIPTIONS: Record<string, string> = {
  page: 'Page index of the results to return. First page is 0',
  per_page: 'Number of results per page. Defaults to 50',
  take: 'Number of results per page. Defaults to 50',
  include_totals: 'Return results inside an object that contains the total result count (true) or as a direct array of results (false, default)',
  include_fields: 'Whether specified fields are to be included (true) or excluded (false)',
  is_global: 'Optional filter on the global client parameter',
  is_first_party: 'Optional filter on whether or not a client is a first-party client',
};

function invalid(property: string, why: string): ManagementError {
  const about = DESCRIPTIONS[property];
  return new ManagementError(400, `Query validation error: '${why}' on property ${property}${about ? ` (${about})` : ''}.`, 'invalid_query_string');
}

/** An integer query parameter in [min, max]; `fallback` when absent. */
function integerParam(query: Query, name: string, fallback: number, min: number, max = Infinity): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  // NOTE(emulator): Auth0 coerces query values to the parameter's type; the text for a value that is not a
  // number is modelled on its body validation ("Expected type … but found type …").
  if (!/^-?\d+$/.test(raw.trim())) throw invalid(name, `Expected type integer but found type string`);
  const value = Number(raw);
  if (value < min) throw invalid(name, `Value ${raw.trim()} is less than minimum ${min}`);
  if (value > max) throw invalid(name, `Value ${raw.trim()} is greater than maximum ${max}`);
  return value;
}

/** A boolean query parameter (`true`/`false`); undefined when absent. */
export function booleanParam(query: Query, name: string): boolean | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw invalid(name, 'Expected type boolean but found type string');
}

interface OffsetPage<T> {
  items: T[];
  start: number;
  limit: number;
  total: number;
  /** Whether the answer is the object with totals rather than the bare array. */
  totals: boolean;
}

/** Offset paging (page, per_page, include_totals) of the whole list. */
export function offsetPage<T>(all: readonly T[], query: Query): OffsetPage<T> {
  const limit = integerParam(query, 'per_page', 50, 1, 100);
  const page = integerParam(query, 'page', 0, 0);
  const totals = booleanParam(query, 'include_totals') ?? false;
  const start = page * limit;
  return { items: all.slice(start, start + limit), start, limit, total: all.length, totals };
}

/**
 * The offset page as Auth0 answers it: the bare array, or `{<list>, start, limit, total}` with include_totals.
 * `present` shapes each item of the page (a field selection, say).
 */
export function offsetAnswer<T>(list: string, all: readonly T[], query: Query, present: (item: T) => unknown = (item) => item): unknown[] | Record<string, unknown> {
  const page = offsetPage(all, query);
  const items = page.items.map(present);
  return page.totals ? { [list]: items, start: page.start, limit: page.limit, total: page.total } : items;
}

/** Whether the request asks for checkpoint paging (`from` or `take` given). */
export const wantsCheckpoint = (query: Query) => query.from !== undefined || query.take !== undefined;

/**
 * Checkpoint paging: `{<list>, next}`. The list is taken in the order of the items' ids, from the first id at
 * or after `from`, so a page stays right when an item before it is deleted between two requests.
 * NOTE(emulator): Auth0's `next` is opaque (valid 24 hours); here it is the id of the next page's first item.
 * include_totals is ignored with checkpoint paging, as Auth0 documents for its other checkpoint lists.
 */
export function checkpointAnswer<T>(list: string, all: readonly T[], idOf: (item: T) => string, query: Query, present: (item: T) => unknown = (item) => item): Record<string, unknown> {
  const take = integerParam(query, 'take', 50, 1, 100);
  const from = query.from ?? '';
  const sorted = [...all].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  const first = sorted.findIndex((item) => idOf(item) >= from);
  const rest = first < 0 ? [] : sorted.slice(first);
  const items = rest.slice(0, take).map(present);
  return rest.length > take ? { [list]: items, next: idOf(rest[take]!) } : { [list]: items };
}
