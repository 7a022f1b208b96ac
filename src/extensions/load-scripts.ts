/**
 * Reads a tenant's extension files (paths relative to the config file) at config load. Each is
 * syntax-checked here, so a broken rule is a config error with its own file, line and column, and the
 * workers only ever receive code that compiles. The content hash lets workers cache compiled files.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { codeFrame } from '../config/code-frame.js';
import type { ConfigProblem } from '../config/config-error.js';
import type { TenantConfig } from '../config/schema.js';
import { compileExtension, syntaxErrorPosition } from './wrap.js';

export interface ExtensionScript {
  readonly file: string;
  /** The path as the user wrote it relative to the config, for logs. */
  readonly name: string;
  readonly source: string;
  readonly hash: string;
}

export interface TenantExtensions {
  readonly rules: readonly ExtensionScript[];
  readonly credentialsExchangeHook: ExtensionScript | undefined;
  readonly passwordExchangeHook: ExtensionScript | undefined;
  readonly postLoginActions: readonly ExtensionScript[];
  readonly credentialsExchangeActions: readonly ExtensionScript[];
  readonly configuration: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly memoryMb: number;
}

async function loadScript(
  path: string,
  baseDir: string,
  at: (string | number)[],
  problems: (ConfigProblem & { at: (string | number)[] })[],
): Promise<ExtensionScript | undefined> {
  const file = resolve(baseDir, path);
  // Logs name the file as the config does (without a leading ./), or as written when it is outside the folder.
  const rel = relative(baseDir, file);
  const name = rel && !rel.startsWith('..') ? rel : path;
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    problems.push({ at, path: '', message: `cannot read ${name} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
    return undefined;
  }
  try {
    compileExtension(source, file);
  } catch (err) {
    const pos = syntaxErrorPosition(err);
    problems.push({
      at,
      path: '',
      file,
      message: `${(err as Error).name}: ${(err as Error).message}`,
      ...(pos ? { line: pos.line, column: pos.column, frame: codeFrame(source, pos.line, pos.column) } : {}),
    });
    return undefined;
  }
  return { file, name, source, hash: createHash('sha256').update(source).digest('base64url') };
}

/** Loads every extension file of a tenant; problems carry `at`, the config path that named the file. */
export async function loadTenantExtensions(
  tenant: TenantConfig,
  index: number,
  baseDir: string,
  problems: (ConfigProblem & { at: (string | number)[] })[],
): Promise<TenantExtensions> {
  const at = (...rest: (string | number)[]) => ['tenants', index, ...rest];
  const list = (paths: readonly string[], ...key: string[]) =>
    Promise.all(paths.map((p, i) => loadScript(p, baseDir, at(...key, i), problems)));
  const one = (path: string | undefined, ...key: string[]) => (path === undefined ? Promise.resolve(undefined) : loadScript(path, baseDir, at(...key), problems));
  const defined = (xs: (ExtensionScript | undefined)[]) => xs.filter((x): x is ExtensionScript => x !== undefined);
  const [rules, cc, pw, postLogin, ccActions] = await Promise.all([
    list(tenant.rules, 'rules'),
    one(tenant.hooks['credentials-exchange'], 'hooks', 'credentials-exchange'),
    one(tenant.hooks['password-exchange'], 'hooks', 'password-exchange'),
    list(tenant.actions['post-login'], 'actions', 'post-login'),
    list(tenant.actions['credentials-exchange'], 'actions', 'credentials-exchange'),
  ]);
  return {
    rules: defined(rules),
    credentialsExchangeHook: cc,
    passwordExchangeHook: pw,
    postLoginActions: defined(postLogin),
    credentialsExchangeActions: defined(ccActions),
    configuration: tenant.rules_configuration,
    secrets: tenant.secrets,
    timeoutMs: tenant.extension_timeout_ms,
    memoryMb: tenant.extension_memory_mb,
  };
}
