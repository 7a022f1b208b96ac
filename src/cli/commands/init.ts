/** `auth-emulator init`: a commented starter config, a sample rule and the editor schema, never overwriting. */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { configJsonSchema } from '../../config/json-schema.js';
import { DEFAULT_CONFIG, fail } from '../args.js';
import { SCHEMA_PATH, STARTER_CONFIG, STARTER_RULE } from '../templates.js';

/**
 * The command that started this process, to print one that works here: until auth-emulator is on npm,
 * `npx auth-emulator` works only where it is installed (or inside its clone), `auth-emulator` after `npm link`.
 */
function selfCommand(): string {
  if (process.env.npm_command === 'exec') return 'npx auth-emulator';
  const script = process.argv[1] ?? 'auth-emulator';
  return basename(script) === 'auth-emulator' ? 'auth-emulator' : `node ${relative(process.cwd(), script)}`;
}

export async function run(): Promise<void> {
  const files = { [DEFAULT_CONFIG]: STARTER_CONFIG, 'rules.js': STARTER_RULE, [SCHEMA_PATH]: `${JSON.stringify(configJsonSchema(), null, 2)}\n` };
  const existing = Object.keys(files).filter((f) => existsSync(f));
  if (existing.length > 0) {
    const names = existing.length === 1 ? existing[0] : `${existing.slice(0, -1).join(', ')} and ${existing.at(-1)}`;
    fail(`Not overwriting ${names}: remove ${existing.length === 1 ? 'it' : 'them'} or run init in another folder.`);
  }
  for (const [name, content] of Object.entries(files)) writeFileSync(name, content, { flag: 'wx' });
  console.log(
    [
      `Wrote ${DEFAULT_CONFIG}, rules.js and ${SCHEMA_PATH} (for editors: commit it with the config).`,
      `Start the emulator with: ${selfCommand()}`,
      'Add .auth-emulator/ to .gitignore: it holds signing keys and refresh tokens.',
    ].join('\n'),
  );
}
