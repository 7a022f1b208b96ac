/**
 * `auth-emulator token`: a token response minted with the tenant's kept key, through the same pipeline as the
 * server (scopes, rules, Actions), printed as the token alone or as JSON.
 */
import { createEmulator } from '../../emulator.js';
import { failIfKnown } from '../known-errors.js';
import { configFile, fail, portOption, stateDirOption, type Values } from '../args.js';
import { formatExtensionLine } from '../format.js';

/** Mints a token with the tenant's persisted key, through the same pipeline as the server. */
export async function run(values: Values): Promise<void> {
  if (!values.client) fail('Missing --client: the client_id the token is for. Run auth-emulator --help.');
  const expiresIn = values['expires-in'] === undefined ? undefined : Number(values['expires-in']);
  if (expiresIn !== undefined && !Number.isFinite(expiresIn)) fail(`Invalid --expires-in "${values['expires-in']}": expected seconds.`);
  const { file, builtIn } = configFile(values.config);
  const port = portOption(values);
  const host = values.host ?? (process.env.AUTH_EMULATOR_HOST || '127.0.0.1');
  let emulator;
  try {
    emulator = await createEmulator({
      config: file,
      stateDir: stateDirOption(values, file, builtIn),
      baseUrl: `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`,
      extensionLog: (entry) => console.error(formatExtensionLine(entry, 'text')),
    });
  } catch (err) {
    failIfKnown(err);
    throw err;
  }
  try {
    const tenant = values.tenant ?? emulator.snapshot.rootTenant?.name;
    if (!tenant) fail(`Name the tenant with --tenant: this config has several (${[...emulator.snapshot.tenants.keys()].join(', ')}).`);
    const options = {
      tenant,
      client: values.client,
      ...(values.user ? { user: values.user } : {}),
      ...(values.connection ? { connection: values.connection } : {}),
      ...(values.audience ? { audience: values.audience } : {}),
      ...(values.scope ? { scope: values.scope } : {}),
      ...(expiresIn !== undefined ? { expiresIn } : {}),
      ...(values.issuer ? { issuer: values.issuer } : {}),
    };
    if (values['id-token'] && !values.user) fail('--id-token needs --user.');
    const response = values['id-token']
      ? await emulator.mint({ ...options, scope: /\bopenid\b/.test(values.scope ?? '') ? values.scope! : `openid ${values.scope ?? ''}`.trim() })
      : await emulator.mint(options);
    if (values.json) console.log(JSON.stringify(response, null, 2));
    else console.log(values['id-token'] ? response.id_token : response.access_token);
  } catch (err) {
    failIfKnown(err);
    throw err;
  } finally {
    await emulator.close();
  }
}
