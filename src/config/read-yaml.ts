/**
 * YAML text → plain data, with the hazards refused (syntax errors, duplicate keys, non-string keys, alias
 * bombs) and a `locate` that maps a data path back to its line and column for error messages.
 *
 * Two parsers, one result: a plain file (no anchors, aliases, tags or non-string keys — nearly every config)
 * is read by js-yaml, about eight times faster, which keeps reloads of 10,000-user files quick; anything
 * else, and every file with a problem, goes through `yaml`'s document parser, whose positions and checks
 * give the error messages. Both read YAML 1.2's core schema, so they yield the same data.
 */
import { createRequire } from 'node:module';
import jsYaml from 'js-yaml';
import type * as Yaml from 'yaml';

// The careful parser is loaded on first need (a config with anchors, or a problem to report): most starts
// never need it. yaml ships a CommonJS build, so it loads synchronously here.
const require = createRequire(import.meta.url);
let loadedYaml: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (loadedYaml ??= require('yaml') as typeof Yaml);
import { codeFrame } from './code-frame.js';
import { ConfigError, type ConfigProblem } from './config-error.js';

const MAX_ALIASES = 100;

export interface Position {
  line: number;
  col: number;
  /** The file the position is in, when it is not the config file itself (an included file). */
  file?: string;
  /** That file's text, for a code frame. */
  text: string;
}

export type Locate = (path: readonly (string | number)[], atKey?: boolean) => Position | undefined;

/** Anchors, aliases, tags, complex keys, or a key that is a number, boolean or null: the careful parser. */
const NEEDS_CAREFUL_PARSE = /(?:^|[\s:,[{-])[&*!][^\s]|^\s*\?(?:\s|$)|^\s*(?:-\s+)?(?:[-+]?\d[\d._]*|true|false|null|~|True|False|Null|NULL|TRUE|FALSE)\s*:(?:\s|$)/m;

export function readYaml(text: string, file: string): { data: unknown; locate: Locate } {
  if (!NEEDS_CAREFUL_PARSE.test(text)) {
    try {
      const data = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA, filename: file, json: false });
      let careful: Locate | undefined;
      // Positions are needed only to report a problem: parse carefully then, once.
      return { data, locate: (path, atKey) => (careful ??= carefulRead(text, file).locate)(path, atKey) };
    } catch {
      // Fall through: the careful parser reports the problem with its position.
    }
  }
  return carefulRead(text, file);
}

function carefulRead(text: string, file: string): { data: unknown; locate: Locate } {
  const { LineCounter, isScalar, parseDocument, visit } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const where = (offset: number) => lineCounter.linePos(offset);
  const problemAt = (offset: number, message: string): ConfigProblem => {
    const pos = where(offset);
    return { path: '', message, line: pos.line, column: pos.col, frame: codeFrame(text, pos.line, pos.col) };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => problemAt(e.pos[0], e.message.split('\n')[0] ?? e.message)));
  }
  // Keys are names (tenants, clients, fields): a number, null or a complex key is a mistake, not data.
  const badKeys: ConfigProblem[] = [];
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key;
      if (isScalar(key) && typeof key.value === 'string') return;
      const offset = (key as { range?: [number] } | null)?.range?.[0] ?? (pair.value as { range?: [number] } | null)?.range?.[0] ?? 0;
      const shown = isScalar(key) ? JSON.stringify(key.value) : 'a complex key';
      badKeys.push(problemAt(offset, `mapping keys must be strings, got ${shown} (quote it if it is a name)`));
    },
  });
  if (badKeys.length > 0) throw new ConfigError(file, badKeys);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `${(err as Error).message} (YAML aliases are limited to ${MAX_ALIASES})` }]);
  }
  return { data, locate: (path, atKey) => locateIn(doc, path, where, text, atKey) };
}

/** The nearest node that exists on the path (a missing key is reported at its parent). */
function locateIn(doc: Yaml.Document, path: readonly (string | number)[], where: (offset: number) => { line: number; col: number }, text: string, atKey = false): Position | undefined {
  const { isMap, isScalar } = yaml();
  const at = (offset: number): Position => ({ ...where(offset), text });
  for (let n = path.length; n >= 0; n--) {
    const parentPath = path.slice(0, n - 1);
    const last = path[n - 1];
    // Point at the value of a key (or at the key itself for unknown keys).
    if (n > 0 && typeof last === 'string') {
      const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        const node = pair && (pair.value ?? pair.key);
        const keyNode = pair && isScalar(pair.key) ? pair.key : undefined;
        const target = !atKey && isScalar(node) ? node : keyNode;
        if (target?.range) return at(target.range[0]);
      }
      continue;
    }
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) return at(range[0]);
  }
  return undefined;
}
