import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/index.js';
import { loadConfigFile, parseConfigText } from '../src/config/load.js';
import { EXAMPLE_CONFIG, startEmulator } from './helpers.js';

function problems(yaml: string) {
  try {
    parseConfigText(yaml, 'auth.config.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

const base = (clients: string) => `tenants:
  - name: dev
    default_directory: db
    apis:
      - identifier: https://api
        scopes: [read]
    clients:
${clients}
    connections:
      - name: db
        users:
          - email: a@b.example
            password: pw
`;

describe('config loading', () => {
  it('loads the example config as written, with Auth0 defaults applied', async () => {
    const { config } = await loadConfigFile(EXAMPLE_CONFIG);
    expect(config.tenants[0]!.clients[1]).toMatchObject({ client_id: 'spa', token_endpoint_auth_method: 'none', jwt_configuration: { lifetime_in_seconds: 36000, alg: 'RS256' } });
    expect(Object.isFrozen(config.tenants[0]!.clients)).toBe(true);
  });

  it('names the path, line and column of a bad value', () => {
    const yaml = base(`      - client_id: app
        client_secret: s
        grant_types:
          - password
          - pasword`);
    expect(problems(yaml)).toEqual([
      {
        path: 'tenants[0].clients[0].grant_types[1]',
        line: 12,
        column: 13,
        message: expect.stringMatching(/^expected one of authorization_code, implicit, .*; did you mean "password"\?$/),
        frame: ['      11 |           - password', '    > 12 |           - pasword', '         |             ^'].join('\n'),
      },
    ]);
  });

  it('refuses a user_id with white space (Auth0 refuses one too)', () => {
    const yaml = base('      - client_id: app\n        client_secret: s').replace('password: pw', 'password: pw\n            user_id: auth0|a b');
    expect(problems(yaml)).toEqual([
      { path: 'tenants[0].connections[0].users[0].user_id', line: 15, column: 22, message: 'expected a user_id without white space (auth0|…)', frame: expect.any(String) },
    ]);
  });

  it('refuses unknown keys, at the key, with a suggestion', () => {
    expect(problems(base(`      - client_id: app\n        client_secret: s\n        grant_type: [password]`))).toEqual([
      { path: 'tenants[0].clients[0].grant_type', line: 10, column: 9, message: 'unknown key; did you mean "grant_types"?', frame: expect.any(String) },
    ]);
    const far = problems('tenants:\n  - name: dev\n    zzz: 1\n');
    expect(far[0]!.message).toBe(
      'unknown key; expected one of name, default, friendly_name, issuer, default_directory, default_audience, signing_key, apis, roles, clients, client_grants, connections, allowed_logout_urls, session_lifetime, idle_session_lifetime, login_page, attack_protection, rules, rules_configuration, hooks, actions, secrets, extension_timeout_ms, extension_memory_mb',
    );
  });

  it('checks cross-references and duplicates', () => {
    const yaml = `tenants:
  - name: dev
    default_directory: nowhere
    clients:
      - { client_id: a, client_secret: s }
      - { client_id: a, client_secret: s }
    client_grants:
      - { client_id: ghost, audience: https://nope }
    connections:
      - name: db
        users:
          - { email: X@example.com, password: p }
          - { email: x@example.com, password: p }
`;
    expect(problems(yaml).map((p) => `${p.line} ${p.path}: ${p.message}`)).toEqual([
      '6 tenants[0].clients[1].client_id: duplicate client_id (also clients[0])',
      '8 tenants[0].client_grants[0].client_id: no client with client_id "ghost" in this tenant',
      '8 tenants[0].client_grants[0].audience: no API with identifier "https://nope" in this tenant',
      '3 tenants[0].default_directory: no connection named "nowhere" in this tenant',
      '13 tenants[0].connections[0].users[1].email: duplicate email in connection "db" (also users[0])',
    ]);
  });

  it('requires a secret for confidential clients and a password for users', () => {
    const yaml = `tenants:
  - name: dev
    clients:
      - client_id: web
    connections:
      - name: db
        users:
          - email: a@example.com
`;
    expect(problems(yaml).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'tenants[0].connections[0].users[0].password: expected `password` or `password_hash`',
    ]);
    expect(problems(yaml.replace(/\s+connections:[\s\S]*/, '\n')).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'tenants[0].clients[0].client_secret: expected a client_secret (token_endpoint_auth_method is client_secret_post, the default for this app_type)',
    ]);
  });

  it('reports YAML syntax errors with line and column, and refuses alias bombs', () => {
    expect(problems('tenants:\n  - name: dev\n    clients: [\n')[0]).toMatchObject({ path: '', line: 4 });
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(problems(bomb)[0]!.message).toMatch(/alias/i);
  });

  it('formats every problem as file:line:column path: message', () => {
    try {
      parseConfigText(base(`      - client_id: app\n        client_secret: s\n        app_type: web`), '/x/auth.config.yaml');
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect((err as Error).message).toBe(
        [
          'Invalid config /x/auth.config.yaml (1 problem):',
          '  /x/auth.config.yaml:10:19  tenants[0].clients[0].app_type: expected one of native, spa, regular_web, non_interactive',
          '       9 |         client_secret: s',
          '    > 10 |         app_type: web',
          '         |                   ^',
        ].join('\n'),
      );
    }
  });

  it('validates config objects given to createEmulator', async () => {
    await expect(startEmulator({ config: { tenants: [{ name: 'Bad Name' }] } })).rejects.toThrow(
      'Invalid config <config object> (1 problem):\n  <config object>  tenants[0].name: expected lowercase letters, digits and inner hyphens (it becomes a URL segment)',
    );
  });
});
