/**
 * The config a user can't get wrong: YAML hazards refused with a clear message, the JSON Schema that editors
 * use generated from the loader's own schema, and `init`'s starter files.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/index.js';
import { configJsonSchema } from '../src/config/json-schema.js';
import { parseConfigText } from '../src/config/load.js';
import { API, TRUSTED, decode, startEmulator, tempDir } from './helpers.js';

const run = promisify(execFile);
const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

function refusal(yaml: string): ConfigError {
  try {
    parseConfigText(yaml, 'auth.config.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('YAML hazards', () => {
  it('refuses non-string keys, with line and column', () => {
    const err = refusal('tenants:\n  - name: dev\n    1: x\n    null: y\n');
    expect(err.problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '3:5 mapping keys must be strings, got 1 (quote it if it is a name)',
      '4:5 mapping keys must be strings, got null (quote it if it is a name)',
    ]);
  });

  it('refuses duplicate keys', () => {
    expect(refusal('tenants:\n  - name: dev\n    name: other\n').problems[0]).toMatchObject({ line: 3, message: expect.stringMatching(/unique/i) });
  });

  it('refuses an alias bomb without expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    // Expanded, this is 10^10 nodes: an answer at all means the alias limit stopped it first.
    expect(refusal(`${levels.join('\n')}\ntenants: []\n`).problems).toEqual([
      { path: '', message: 'Excessive alias count indicates a resource exhaustion attack (YAML aliases are limited to 100)' },
    ]);
  });
});

describe('JSON Schema', () => {
  it('schema/auth.config.schema.json is exactly what the loader’s schema generates', () => {
    const committed = JSON.parse(readFileSync(new URL('../schema/auth.config.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });

  it('is strict (unknown keys are errors in editors too) and documents fields', () => {
    const schema = configJsonSchema() as { properties: { tenants: { items: { additionalProperties: boolean; properties: Record<string, { description?: string }> } } } };
    const tenant = schema.properties.tenants.items;
    expect(tenant.additionalProperties).toBe(false);
    expect(tenant.properties.default_directory!.description).toBe('The connection used by grant_type=password.');
  });

  it('is referenced by the example config', () => {
    expect(readFileSync(new URL('../auth.config.yaml', import.meta.url), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/auth.config.schema.json');
  });
});

describe('auth-emulator init', () => {
  // The environment without npm's own variables: `npm_command` says how the CLI was started.
  const env = (extra: Record<string, string> = {}) => ({ ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))), ...extra });

  it('writes a starter config, rule and editor schema that check and run, and refuses to overwrite them', async () => {
    const dir = realpathSync(tempDir());
    const first = await run(process.execPath, [CLI, 'init'], { cwd: dir, env: env() });
    // Until the package is on npm, `npx auth-emulator` works only where it is installed: init prints the
    // command it was started with.
    expect(first.stdout).toBe(
      `Wrote auth.config.yaml, rules.js and auth.config.schema.json (for editors: commit it with the config).\nStart the emulator with: node ${relative(dir, CLI)}\nAdd .auth-emulator/ to .gitignore: it holds signing keys and refresh tokens.\n`,
    );
    expect(readFileSync(join(dir, 'auth.config.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./auth.config.schema.json');
    expect(JSON.parse(readFileSync(join(dir, 'auth.config.schema.json'), 'utf8'))).toEqual(configJsonSchema());

    const check = await run(process.execPath, [CLI, 'check'], { cwd: dir });
    expect(check.stdout).toBe(`${join(dir, 'auth.config.yaml')} is valid: 1 tenant(s), 3 client(s), 1 API(s), 2 user(s).\n`);
    // Its browser apps can complete a login: no warnings.
    expect(check.stderr).toBe('');

    const again = await run(process.execPath, [CLI, 'init'], { cwd: dir }).catch((err: { code: number; stderr: string }) => err);
    expect(again).toMatchObject({ code: 1, stderr: 'Not overwriting auth.config.yaml, rules.js and auth.config.schema.json: remove them or run init in another folder.\n' });

    const t = await startEmulator({ config: join(dir, 'auth.config.yaml') });
    try {
      const res = await t.http.post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...TRUSTED }).expect(200);
      expect(decode(res.body.access_token)['https://example.com/plan']).toBe('gold');
    } finally {
      await t.close();
    }
    expect(existsSync(join(dir, 'rules.js'))).toBe(true);
  });

  it('prints `npx auth-emulator` when started by npx', async () => {
    const started = await run(process.execPath, [CLI, 'init'], { cwd: tempDir(), env: env({ npm_command: 'exec' }) });
    expect(started.stdout.split('\n')[1]).toBe('Start the emulator with: npx auth-emulator');
  });

  // Issue 10, friction: init put the schema in .auth-emulator/ and then said to ignore that folder.
  it('points $schema at a file that a teammate’s clone has (with .auth-emulator/ ignored, as init says)', async () => {
    const dir = tempDir();
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    await run(process.execPath, [CLI, 'init'], { cwd: repo, env: env() });
    // Run once, so .auth-emulator/ (keys) exists and is ignored, as a user would have it.
    await run(process.execPath, [CLI, 'token', '--client', 'trusted-app', '--audience', API], { cwd: repo, env: env() });
    expect(existsSync(join(repo, '.auth-emulator'))).toBe(true);
    writeFileSync(join(repo, '.gitignore'), '.auth-emulator/\n');
    const git = (args: string[], cwd: string) => run('git', args, { cwd, env: env({ GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.test' }) });
    await git(['init', '-q'], repo);
    await git(['add', '-A'], repo);
    await git(['commit', '-qm', 'init'], repo);
    await git(['clone', '-q', repo, 'clone'], dir);

    const clone = join(dir, 'clone');
    expect(existsSync(join(clone, '.auth-emulator'))).toBe(false);
    const schemaRef = /^# yaml-language-server: \$schema=(.+)$/.exec(readFileSync(join(clone, 'auth.config.yaml'), 'utf8').split('\n')[0]!)![1]!;
    // yaml-language-server resolves a relative $schema against the YAML file's folder.
    expect(JSON.parse(readFileSync(resolve(clone, schemaRef), 'utf8'))).toEqual(configJsonSchema());
  });
});

describe('users: ./users.yaml includes', () => {
  const config = (users: string) =>
    `tenants:\n  - name: dev\n    default_directory: db\n    clients:\n      - client_id: app\n        client_secret: s\n        grant_types: [password]\n    connections:\n      - name: db\n        users: ${users}\n`;

  it('reads the list from the named file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'users.yaml'), '- email: a@example.com\n  password: pa\n- email: b@example.com\n  password: pb\n');
    writeFileSync(join(dir, 'auth.config.yaml'), config('./users.yaml'));
    const t = await startEmulator({ config: join(dir, 'auth.config.yaml') });
    try {
      await t.http.post('/oauth/token').send({ grant_type: 'password', username: 'b@example.com', password: 'pb', client_id: 'app', client_secret: 's' }).expect(200);
      expect(t.emulator.snapshot.includedFiles).toEqual([join(dir, 'users.yaml')]);
    } finally {
      await t.close();
    }
  });

  it('reports a problem inside the included file at its own line and column', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'users.yaml'), '- email: a@example.com\n  password: pa\n- email: not-an-email\n  password: pb\n');
    writeFileSync(join(dir, 'auth.config.yaml'), config('./users.yaml'));
    const err = await startEmulator({ config: join(dir, 'auth.config.yaml') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      {
        path: 'tenants[0].connections[0].users[1].email',
        message: 'Invalid email address',
        file: join(dir, 'users.yaml'),
        line: 3,
        column: 10,
        frame: expect.stringContaining('> 3 | - email: not-an-email'),
      },
    ]);
  });

  it('names a missing include', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'auth.config.yaml'), config('./nope.yaml'));
    const err = (await startEmulator({ config: join(dir, 'auth.config.yaml') }).catch((e: unknown) => e)) as ConfigError;
    expect(err.problems[0]).toMatchObject({ path: 'tenants[0].connections[0].users', message: 'cannot include ./nope.yaml: file not found', line: 10, column: 16 });
  });
});
