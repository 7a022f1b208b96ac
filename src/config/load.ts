/**
 * YAML text → validated, frozen config. Every problem is reported with the file, line:column, the path
 * inside the document (`tenants[0].clients[1].grant_types[2]`) and what was expected.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { codeFrame } from './code-frame.js';
import { crossCheck, type ConfigIssue } from './cross-check.js';
import { allowedKeysAt, closest } from './did-you-mean.js';
import { configSchema, type Config } from './schema.js';
import { loadTenantExtensions, type TenantExtensions } from '../extensions/load-scripts.js';

/** Larger files are refused: a config this size is a mistake (or an attack), and parsing it would stall. */
export const MAX_CONFIG_BYTES = 50 * 1024 * 1024;
const MAX_ALIASES = 100;

export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
  /** Set when the problem is in another file than the config (a rule that does not compile). */
  file?: string;
  /** The offending line with its neighbour and a caret, when the text is at hand. */
  frame?: string;
}

export class ConfigError extends Error {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[]) {
    const lines = problems.map((p) => {
      const where = p.line === undefined ? (p.file ?? file) : `${p.file ?? file}:${p.line}:${p.column ?? 1}`;
      return `  ${where}  ${p.path ? `${p.path}: ` : ''}${p.message}${p.frame ? `\n${p.frame}` : ''}`;
    });
    super(`Invalid config ${file} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.file = file;
    this.problems = problems;
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** A validated config plus what it names on disk (extension code), read and checked. */
export interface LoadedConfig {
  readonly config: Config;
  readonly extensions: ReadonlyMap<string, TenantExtensions>;
}

type Locate = (path: (string | number)[], atKey?: boolean) => { line: number; col: number } | undefined;

/** Reads and validates a config file and the files it names. Throws ConfigError on any problem. */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const text = await readConfigText(file);
  const { config, locate } = parseWithLocations(text, file);
  return withExtensions(config, file, dirname(file), locate, text);
}

/** Validates a config object (from createEmulator); relative paths in it are relative to `baseDir`. */
export async function loadConfigObject(data: unknown, baseDir: string): Promise<LoadedConfig> {
  return withExtensions(validateConfig(data, '<config object>'), '<config object>', baseDir, () => undefined);
}

async function withExtensions(config: Config, file: string, baseDir: string, locate: Locate, text?: string): Promise<LoadedConfig> {
  const problems: (ConfigProblem & { at: (string | number)[] })[] = [];
  const loaded = await Promise.all(config.tenants.map((t, i) => loadTenantExtensions(t, i, baseDir, problems)));
  if (problems.length > 0) {
    throw new ConfigError(
      file,
      problems.map(({ at, ...p }) => {
        const pos = p.file === undefined ? locate(at) : undefined;
        return { ...p, path: formatPath(at), ...(pos ? { line: pos.line, column: pos.col, ...(text ? { frame: codeFrame(text, pos.line, pos.col) } : {}) } : {}) };
      }),
    );
  }
  return { config, extensions: new Map(config.tenants.map((t, i) => [t.name, loaded[i]!])) };
}

async function readConfigText(file: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [{ path: '', message: code === 'ENOENT' ? 'file not found' : `cannot read the file (${code})` }]);
  }
  if (size > MAX_CONFIG_BYTES) {
    throw new ConfigError(file, [{ path: '', message: `file is ${size} bytes; the limit is ${MAX_CONFIG_BYTES}` }]);
  }
  return readFile(file, 'utf8');
}

export function parseConfigText(text: string, file: string): Config {
  return parseWithLocations(text, file).config;
}

function parseWithLocations(text: string, file: string): { config: Config; locate: Locate } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const where = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = where(e.pos[0]);
        return { path: '', message: e.message.split('\n')[0] ?? e.message, line: pos.line, column: pos.col, frame: codeFrame(text, pos.line, pos.col) };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `${(err as Error).message} (YAML aliases are limited to ${MAX_ALIASES})` }]);
  }
  if (data === null || data === undefined) {
    throw new ConfigError(file, [{ path: '', message: 'the file is empty: expected a mapping with a `tenants` list' }]);
  }
  const locateInDoc: Locate = (path, atKey) => locate(doc, path, where, atKey);
  try {
    return { config: validateConfig(data, file, locateInDoc), locate: locateInDoc };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(
      file,
      err.problems.map((p) => (p.line === undefined ? p : { ...p, frame: codeFrame(text, p.line, p.column ?? 1) })),
    );
  }
}

/**
 * Validates a plain config object (parsed YAML, or an object given to createEmulator).
 * `locate` maps a path to a line, when the object came from a file.
 */
export function validateConfig(data: unknown, file: string, locate: Locate = () => undefined): Config {
  const parsed = configSchema.safeParse(data, { reportInput: true });
  const issues: ConfigIssue[] = parsed.success ? crossCheck(parsed.data) : parsed.error.issues.flatMap(fromZodIssue);
  if (issues.length > 0) {
    throw new ConfigError(
      file,
      issues.map((issue) => {
        const pos = locate(issue.path, issue.atKey);
        return { path: formatPath(issue.path), message: issue.message, ...(pos ? { line: pos.line, column: pos.col } : {}) };
      }),
    );
  }
  return deepFreeze(parsed.data as Config);
}

function fromZodIssue(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(configSchema, path) ?? [];
    return issue.keys.map((key) => {
      const guess = closest(key, allowed);
      return { path: [...path, key], atKey: true, message: guess ? `unknown key; did you mean "${guess}"?` : `unknown key; expected one of ${allowed.join(', ')}` };
    });
  }
  if (issue.code === 'invalid_value' && issue.values.every((v) => typeof v === 'string')) {
    const values = issue.values as string[];
    const guess = (issue as { input?: unknown }).input;
    const suggestion = typeof guess === 'string' ? closest(guess, values) : undefined;
    return [{ path, message: suggestion ? `expected one of ${values.join(', ')}; did you mean "${suggestion}"?` : `expected one of ${values.join(', ')}` }];
  }
  if (issue.code === 'invalid_union') {
    // Report the branch that got furthest rather than zod's generic "Invalid input".
    const deepest = issue.errors.flat().sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest) return fromZodIssue({ ...deepest, path: [...issue.path, ...deepest.path] } as z.core.$ZodIssue);
  }
  return [{ path, message: issue.message }];
}

/** The nearest node that exists on the path (a missing key is reported at its parent). */
function locate(doc: Document, path: (string | number)[], where: (offset: number) => { line: number; col: number }, atKey = false) {
  for (let n = path.length; n >= 0; n--) {
    const parentPath = path.slice(0, n - 1);
    const last = path[n - 1];
    // Point at the key itself when the key exists (unknown keys, bad values of a mapping).
    if (n > 0 && typeof last === 'string') {
      const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        const node = pair && (pair.value ?? pair.key);
        const keyNode = pair && isScalar(pair.key) ? pair.key : undefined;
        const target = !atKey && isScalar(node) ? node : keyNode;
        if (target?.range) return where(target.range[0]);
      }
      continue;
    }
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) return where(range[0]);
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
