/**
 * A config for the refresh-token tests that restart an emulator on a state folder: one tenant, an API that
 * allows offline access, a client whose refresh tokens do not rotate (STEADY) and one whose do (ROTOR).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const API = 'https://api.example.test';
/** A client whose refresh tokens do not rotate, and one whose do. */
export const STEADY = { client_id: 'steady', client_secret: 'steady-secret' } as const;
export const ROTOR = { client_id: 'rotor', client_secret: 'rotor-secret' } as const;
export const userEmail = (i: number) => `user${i}@example.test`;
export const PASSWORD = 'pwd';

/** Writes `auth.config.yaml` in `dir`: one tenant, an API with offline access, STEADY, ROTOR, `users` users. */
export function writeRefreshConfig(dir: string, users = 1): string {
  const file = join(dir, 'auth.config.yaml');
  const client = (c: { client_id: string; client_secret: string }, rotation: string) =>
    `      - { client_id: ${c.client_id}, client_secret: ${c.client_secret}, app_type: non_interactive, grant_types: [password, refresh_token], refresh_token: { rotation_type: ${rotation} } }`;
  writeFileSync(
    file,
    [
      'tenants:',
      '  - name: dev',
      '    default_directory: db',
      `    apis: [{ identifier: "${API}", scopes: [read:data], allow_offline_access: true }]`,
      '    clients:',
      client(STEADY, 'non-rotating'),
      client(ROTOR, 'rotating'),
      '    connections:',
      '      - name: db',
      '        users:',
      ...Array.from({ length: users }, (_, i) => `          - { email: ${userEmail(i)}, password: ${PASSWORD} }`),
      '',
    ].join('\n'),
  );
  return file;
}
