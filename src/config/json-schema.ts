/**
 * The JSON Schema of auth.config.yaml, generated from the zod schema the loader validates with, so the two
 * cannot drift. Editors use it (via the `# yaml-language-server: $schema=…` comment) to autocomplete and
 * underline mistakes. `schema/auth.config.schema.json` is this output, checked by a test.
 */
import { z } from 'zod';
import { configSchema, usersList } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    // The loader replaces `users: ./users.yaml` with that file's list before validating; editors must accept it.
    override: (ctx) => {
      if (ctx.zodSchema === usersList) {
        const list = { ...ctx.jsonSchema };
        for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[key];
        Object.assign(ctx.jsonSchema, {
          description: list.description,
          anyOf: [{ ...list, description: undefined }, { type: 'string', description: 'A YAML file (relative to this one) holding the list of users.' }],
        });
      }
    },
  }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'auth-emulator config (auth.config.yaml)',
    description: 'Tenants, APIs, clients, client grants, connections, users and extension code for auth-emulator, in Auth0 Management API field names.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
