/**
 * "Did you mean" for config mistakes: the closest allowed key or value by edit distance. Allowed keys are
 * read from the zod schema itself along the error's path, so there is no second list to keep in step.
 */
import type { z } from 'zod';

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest candidate, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

type Def = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[] };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps defaults, optionals and pipes down to the schema that holds the data's shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if ((def.type === 'default' || def.type === 'optional' || def.type === 'nullable') && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** The keys an object at `path` may have, or undefined when the path leads to no object schema. */
export function allowedKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (!current) return undefined;
    const def = defOf(current);
    if (typeof segment === 'number' && def.type === 'array' && def.element) current = unwrap(def.element);
    else if (typeof segment === 'string' && def.type === 'object' && def.shape) current = def.shape[segment] ? unwrap(def.shape[segment]) : undefined;
    else if (def.type === 'union' && def.options) current = def.options.map(unwrap).find((o) => defOf(o).type === 'object');
    else return undefined;
  }
  if (!current) return undefined;
  const def = defOf(current);
  if (def.type === 'union' && def.options) {
    const obj = def.options.map(unwrap).find((o) => defOf(o).type === 'object');
    return obj ? Object.keys(defOf(obj).shape ?? {}) : undefined;
  }
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : undefined;
}
