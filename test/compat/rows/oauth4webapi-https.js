// oauth4webapi against the https listener: no allowInsecureRequests, only the emulator's CA trusted.
import { grants } from './oauth4webapi.js';

export const library = 'oauth4webapi over https';
export const packages = ['oauth4webapi'];
export const settings = 'issuer `https://localhost:<https port>/`, ClientSecretPost(secret); `NODE_EXTRA_CA_CERTS` = the CA file';
export const needs = 'https';

export const client = (ctx) => grants(ctx, ctx.https.issuer, {});
