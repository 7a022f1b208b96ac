/**
 * README's "Rules, hooks and Actions" examples, taken from README itself: the YAML additions go into the
 * example tenant, each ```js block is written to the file its first-line comment names, and the tokens
 * must carry what README says they do.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, TRUSTED, EXAMPLE_CONFIG, decode, startEmulator, tempDir, writeTemp, type TestEmulator } from './helpers.js';
import type { ExtensionLogEntry } from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Rules, hooks and Actions'), readme.indexOf('## Config reference'));
const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
const files = [...section.matchAll(/```js\n\/\/ (\S+)\n([\s\S]*?)```/g)].map((m) => ({ name: m[1]!, code: m[2]! }));

let t: TestEmulator;
const logs: ExtensionLogEntry[] = [];
beforeAll(async () => {
  const dir = tempDir();
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.name)), { recursive: true });
    writeTemp(dir, f.name, f.code);
  }
  // The YAML block's tenant settings (everything after the "# … the example tenant, plus:" line).
  const additions = yaml.split('\n').slice(yaml.split('\n').findIndex((l) => l.includes('the example tenant, plus')) + 1).join('\n');
  const config = readFileSync(EXAMPLE_CONFIG, 'utf8').replace('    default_directory: Username-Password-Authentication\n', `    default_directory: Username-Password-Authentication\n${additions}`);
  t = await startEmulator({ config: writeTemp(dir, 'auth.config.yaml', config), extensionLog: (e) => logs.push(e) });
});
afterAll(() => t?.close());

describe('README extension examples', () => {
  it('has a rule, a hook and an Action', () => {
    expect(files.map((f) => f.name)).toEqual(['rules.js', 'hooks/credentials-exchange.js', 'actions/add-roles.js']);
  });

  it('the rule and the Action shape the password-grant tokens, and say so in the logs', async () => {
    const res = await t.http
      .post('/oauth/token')
      .send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'openid', ...TRUSTED })
      .expect(200);
    expect(decode(res.body.access_token)).toMatchObject({ 'https://example.com/plan': 'gold', 'https://example.com/roles': ['reader'] });
    expect(decode(res.body.id_token)).toMatchObject({ 'https://example.com/name': 'Example User', 'https://example.com/roles': ['reader'] });
    expect(logs.find((e) => e.file === 'rules.js')).toMatchObject({ tenant: 'dev', level: 'log', text: 'rule ran for user@example.com via oauth2-password' });
    expect(logs.find((e) => e.level === 'explain')?.text).toBe(
      'user@example.com via trusted-app: rules.js: access_token https://example.com/plan="gold", id_token https://example.com/name="Example User"; actions/add-roles.js: access_token https://example.com/roles=["reader"], id_token https://example.com/roles=["reader"]',
    );
  });

  it('the hook shapes the client-credentials token', async () => {
    const res = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...TRUSTED }).expect(200);
    expect(res.body.scope).toBe('read:sample extra');
    expect(decode(res.body.access_token)).toMatchObject({ scope: 'read:sample extra', 'https://example.com/client': 'Trusted App' });
  });
});
