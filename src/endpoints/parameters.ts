/**
 * Every body parameter the emulator's endpoints read: the token endpoint's own, those each registered grant
 * declares, and revocation's. Request bodies are read into Params against this one set (see toParams), so
 * adding a grant adds its parameters here without an edit. As node-oidc-provider's token endpoint does with its
 * grants' parameters, the set is their union: a value the emulator reads must be a string on any endpoint.
 */
import { grants } from '../grants/registry.js';
import { REVOKE_PARAMETERS } from './revoke.js';
import { TOKEN_PARAMETERS } from './token.js';

export const KNOWN_PARAMETERS: ReadonlySet<string> = new Set([...TOKEN_PARAMETERS, ...[...grants.values()].flatMap((g) => g.parameters), ...REVOKE_PARAMETERS]);
