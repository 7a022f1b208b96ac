/**
 * YAML text → validated, frozen config. Every problem is reported with the file, line:column, the path
 * inside the document (`tenants[0].clients[1].grant_types[2]`), what was expected and a code frame.
 * A connection's `users` may name another YAML file holding the list (for large user lists); problems in
 * it are reported against that file.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { codeFrame } from './code-frame.js';
import { ConfigError, formatPath, type ConfigProblem } from './config-error.js';
import { crossCheck, type ConfigIssue } from './cross-check.js';
import { allowedKeysAt, closest } from './did-you-mean.js';
import { readYaml, type Locate } from './read-yaml.js';
import { configSchema, type Config } from './schema.js';
import { configWarnings } from './warnings.js';
import { loadTenantExtensions, type TenantExtensions } from '../extensions/load-scripts.js';

export { ConfigError, formatPath, formatProblem, type ConfigProblem } from './config-error.js';

/** Larger files are refused: a config this size is a mistake (or an attack), and parsing it would stall. */
export const MAX_CONFIG_BYTES = 50 * 1024 * 1024;

/** A validated config plus what it names on disk (extension code, included user lists), read and checked. */
export interface LoadedConfig {
  readonly config: Config;
  readonly extensions: ReadonlyMap<string, TenantExtensions>;
  /** Files included by the config (`users: ./users.yaml`), to watch with it. */
  readonly includedFiles: readonly string[];
  /** What is valid but cannot work as meant (warnings.ts), located like problems. */
  readonly warnings: readonly ConfigProblem[];
}

/** Reads and validates a config file and the files it names. Throws ConfigError on any problem. */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const { config, locate, includedFiles } = parseWithLocations(readText(file), file);
  return withExtensions(config, file, dirname(file), locate, includedFiles);
}

/** Validates a config object (from createEmulator); relative paths in it are relative to `baseDir`. */
export async function loadConfigObject(data: unknown, baseDir: string): Promise<LoadedConfig> {
  const file = '<config object>';
  const { data: resolved, includes } = resolveIncludes(structuredClone(data), baseDir, file);
  const config = validateConfig(resolved, file, includeLocator(includes, () => undefined));
  return withExtensions(config, file, baseDir, () => undefined, includes.map((i) => i.file));
}

export function parseConfigText(text: string, file: string): Config {
  return parseWithLocations(text, file).config;
}

function readText(file: string): string {
  const unreadable = (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    return new ConfigError(file, [{ path: '', message: code === 'ENOENT' ? 'file not found' : `cannot read the file (${code})` }]);
  };
  let stats;
  try {
    stats = statSync(file);
  } catch (err) {
    throw unreadable(err);
  }
  if (stats.isDirectory()) throw new ConfigError(file, [{ path: '', message: 'it is a directory, not a file' }]);
  if (stats.size > MAX_CONFIG_BYTES) throw new ConfigError(file, [{ path: '', message: `file is ${stats.size} bytes; the limit is ${MAX_CONFIG_BYTES}` }]);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw unreadable(err);
  }
}

function parseWithLocations(text: string, file: string): { config: Config; locate: Locate; includedFiles: string[] } {
  const { data, locate } = readYaml(text, file);
  if (data === null || data === undefined) {
    throw new ConfigError(file, [{ path: '', message: 'the file is empty: expected a mapping with a `tenants` list' }]);
  }
  const { includes } = resolveIncludes(data, dirname(file), file, locate);
  const located = includeLocator(includes, locate);
  return { config: validateConfig(data, file, located), locate: located, includedFiles: includes.map((i) => i.file) };
}

interface Include {
  /** Where the included list sits in the config data: tenants[i].connections[j].users */
  prefix: (string | number)[];
  file: string;
  locate: Locate;
}

/** Replaces every `users: <path>` with the list that file holds (in place). */
function resolveIncludes(data: unknown, baseDir: string, file: string, locate: Locate = () => undefined): { data: unknown; includes: Include[] } {
  const includes: Include[] = [];
  const tenants = (data as { tenants?: unknown } | null)?.tenants;
  if (!Array.isArray(tenants)) return { data, includes };
  tenants.forEach((tenant, t) => {
    const connections = (tenant as { connections?: unknown } | null)?.connections;
    if (!Array.isArray(connections)) return;
    connections.forEach((connection, c) => {
      const users = (connection as { users?: unknown } | null)?.users;
      if (typeof users !== 'string') return;
      const prefix = ['tenants', t, 'connections', c, 'users'];
      const included = resolve(baseDir, users);
      let text: string;
      try {
        text = readText(included);
      } catch (err) {
        const pos = locate(prefix);
        const why = err instanceof ConfigError ? err.problems[0]!.message : String(err);
        throw new ConfigError(file, [
          { path: formatPath(prefix), message: `cannot include ${users}: ${why}`, ...(pos ? { line: pos.line, column: pos.col, frame: codeFrame(pos.text, pos.line, pos.col) } : {}) },
        ]);
      }
      const parsed = readYaml(text, included);
      if (!Array.isArray(parsed.data)) {
        throw new ConfigError(included, [{ path: '', message: 'an included users file must hold a YAML list of users' }]);
      }
      (connection as { users: unknown }).users = parsed.data;
      includes.push({ prefix, file: included, locate: parsed.locate });
    });
  });
  return { data, includes };
}

/** A locator that sends paths inside an included list to that file. */
function includeLocator(includes: readonly Include[], main: Locate): Locate {
  if (includes.length === 0) return main;
  return (path, atKey) => {
    const inc = includes.find((i) => i.prefix.every((seg, k) => path[k] === seg));
    if (!inc) return main(path, atKey);
    const pos = inc.locate(path.slice(inc.prefix.length), atKey);
    return pos ? { ...pos, file: inc.file } : undefined;
  };
}

async function withExtensions(config: Config, file: string, baseDir: string, locate: Locate, includedFiles: string[]): Promise<LoadedConfig> {
  const problems: (ConfigProblem & { at: (string | number)[] })[] = [];
  const loaded = await Promise.all(config.tenants.map((t, i) => loadTenantExtensions(t, i, baseDir, problems)));
  if (problems.length > 0) {
    throw new ConfigError(
      file,
      problems.map(({ at, ...p }) => {
        const pos = p.file === undefined ? locate(at) : undefined;
        return { ...p, path: formatPath(at), ...(pos ? { line: pos.line, column: pos.col, frame: codeFrame(pos.text, pos.line, pos.col) } : {}) };
      }),
    );
  }
  const warnings = configWarnings(config).map((issue) => locatedProblem(issue, locate));
  return { config, extensions: new Map(config.tenants.map((t, i) => [t.name, loaded[i]!])), includedFiles, warnings };
}

/** A finding with its file, line:column and code frame, when the text is at hand. */
function locatedProblem(issue: ConfigIssue, locate: Locate): ConfigProblem {
  const pos = locate(issue.path, issue.atKey);
  return {
    path: formatPath(issue.path),
    message: issue.message,
    ...(pos ? { line: pos.line, column: pos.col, frame: codeFrame(pos.text, pos.line, pos.col), ...(pos.file ? { file: pos.file } : {}) } : {}),
  };
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
      issues.map((issue) => locatedProblem(issue, locate)),
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
