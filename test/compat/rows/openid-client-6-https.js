// openid-client 6 against the https listener: no allowInsecureRequests, only the emulator's CA trusted.
import { grants } from './openid-client-6.js';

export const library = 'openid-client 6 over https';
export const packages = ['openid-client'];
export const settings = 'issuer `https://localhost:<https port>/`, client id and secret; `NODE_EXTRA_CA_CERTS` = the CA file';
export const needs = 'https';

export const client = (ctx) => grants(ctx, ctx.https.issuer, undefined);
