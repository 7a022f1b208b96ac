/**
 * `auth-emulator token`: a token response minted through the emulator's pipeline (scopes, rules, Actions),
 * printed as the token alone or as JSON. Where it is minted (a running emulator on the state folder, or this
 * process with the kept key) is token-mint.ts's business.
 */
import { configFile, fail, portOption, stateDirOption, type Values } from '../args.js';
import { formatExtensionLine } from '../format.js';
import { failIfKnown } from '../known-errors.js';
import { mintForTokenCommand } from '../token-mint.js';

export async function run(values: Values): Promise<void> {
  if (!values.client) fail('Missing --client: the client_id the token is for. Run auth-emulator --help.');
  const expiresIn = values['expires-in'] === undefined ? undefined : Number(values['expires-in']);
  if (expiresIn !== undefined && !Number.isFinite(expiresIn)) fail(`Invalid --expires-in "${values['expires-in']}": expected seconds.`);
  if (values['id-token'] && !values.user) fail('--id-token needs --user.');
  const { file, builtIn } = configFile(values.config);
  const port = portOption(values);
  const host = values.host ?? (process.env.AUTH_EMULATOR_HOST || '127.0.0.1');
  const scope = values['id-token'] ? (/\bopenid\b/.test(values.scope ?? '') ? values.scope! : `openid ${values.scope ?? ''}`.trim()) : values.scope;
  let response;
  try {
    response = await mintForTokenCommand({
      configFile: file,
      stateDir: stateDirOption(values, file, builtIn),
      baseUrl: `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`,
      tenant: values.tenant,
      mint: {
        client: values.client,
        ...(values.user ? { user: values.user } : {}),
        ...(values.connection ? { connection: values.connection } : {}),
        ...(values.audience ? { audience: values.audience } : {}),
        ...(scope ? { scope } : {}),
        ...(expiresIn !== undefined ? { expiresIn } : {}),
        ...(values.issuer ? { issuer: values.issuer } : {}),
      },
      extensionLog: (entry) => console.error(formatExtensionLine(entry, 'text')),
    });
  } catch (err) {
    failIfKnown(err);
    throw err;
  }
  if (values.json) console.log(JSON.stringify(response, null, 2));
  else console.log(values['id-token'] ? response.id_token : response.access_token);
}
