/**
 * Forged and foreign tokens at /userinfo and at the Management API (GET /api/v2/users), where a tenant answers:
 * the root URL (the default tenant, whose key the test does not know) and the `ext` tenant by path and by host
 * name (its key is the test's, so the test can sign tokens that are wrong in one claim only). Each is made from
 * a genuine token that the same endpoint accepts (also sent, as a control), and must be refused with the
 * endpoint's documented 401: /userinfo's plain `Unauthorized` with WWW-Authenticate (reference §6), the
 * Management API's `{statusCode, error, message}` (§11). Never a 2xx.
 *
 * The second property holds the Management API to what it must also refuse and today accepts (issue 10,
 * finding 1): a user's token, and a token whose `iss` is not the issuer of the URL it is sent to.
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign as rsaSign, type KeyObject } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEmulatorConfig } from '../../src/index.js';
import { API, EXAMPLE_CONFIG, TRUSTED, decode, decodeHeader, rsaPem, startEmulator, tempDir, writeTemp, type TestEmulator } from '../helpers.js';
import { RUNS, runProperty, summary, timeoutFor } from './budget.js';

const EXAMPLE_TENANT = (parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as AuthEmulatorConfig).tenants[0]!;
/** A client grant for the Management API names it by any audience ending in /api/v2/. */
const MANAGEMENT_GRANT = { client_id: 'trusted-app', audience: 'https://tenant.example/api/v2/', scope: ['read:users'] };
const KEY_DIR = tempDir('auth-emulator-forged-');
const EXT_PEM = rsaPem();
const EXT_KEY = createPrivateKey(EXT_PEM);
/** Nobody's key. */
const FOREIGN_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const CONFIG: AuthEmulatorConfig = {
  tenants: [
    { ...structuredClone(EXAMPLE_TENANT), default: true, client_grants: [...(EXAMPLE_TENANT.client_grants ?? []), MANAGEMENT_GRANT] },
    {
      ...structuredClone(EXAMPLE_TENANT),
      name: 'ext',
      signing_key: writeTemp(KEY_DIR, 'ext.pem', EXT_PEM),
      client_grants: [...(EXAMPLE_TENANT.client_grants ?? []), MANAGEMENT_GRANT],
    },
  ],
};

type Endpoint = 'userinfo' | 'management';
type TargetName = 'root' | 'ext path' | 'ext host';
interface Target {
  issuer: string;
  /** Path prefix and Host header the requests go with. */
  prefix: string;
  host: string | undefined;
  /** What this target accepts: a token for each endpoint. */
  genuine: Record<Endpoint, string>;
  /** The same, already expired (the endpoint's own answer to those is "expired", not "invalid"). */
  expired: Record<Endpoint, string>;
  /** A user's token with the Management API's audience (the emulator's own minting, or signed like it). */
  userManagement: string;
}

let t: TestEmulator;
const targets = {} as Record<TargetName, Target>;
const unexpected: unknown[] = [];

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const signRs256 = (header: object, payload: object, key: KeyObject) => {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${rsaSign('sha256', Buffer.from(input), key).toString('base64url')}`;
};
const parts = (token: string) => {
  const [h, p, s] = token.split('.') as [string, string, string];
  return { header: decodeHeader(token), payload: decode(token), h, p, s };
};
/** `token` signed again with `key` after `edit` changed its claims (the emulator signs the same way). */
const resign = (token: string, key: KeyObject, edit: (payload: Record<string, unknown>) => Record<string, unknown>) =>
  signRs256(parts(token).header, edit(parts(token).payload), key);

async function post(path: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`setup request ${path} failed: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
const accessToken = async (path: string, body: object) => (await post(path, body)).access_token as string;

beforeAll(async () => {
  t = await startEmulator({ config: CONFIG, onError: (err) => unexpected.push(err) });
  const login = { ...TRUSTED, grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'openid profile' };
  const now = Math.floor(Date.now() / 1000);

  const rootIssuer = `${t.url}/`;
  targets.root = {
    issuer: rootIssuer,
    prefix: '',
    host: undefined,
    genuine: {
      userinfo: await accessToken('/oauth/token', login),
      management: await accessToken('/oauth/token', { ...TRUSTED, grant_type: 'client_credentials', audience: `${rootIssuer}api/v2/` }),
    },
    // The root tenant's key is the emulator's own: its expired and user tokens come from the control plane.
    expired: {
      userinfo: await accessToken('/__emulator/tokens', { client: 'trusted-app', user: 'user@example.com', audience: API, scope: 'openid', expiresIn: -60 }),
      management: await accessToken('/__emulator/tokens', { client: 'trusted-app', audience: `${rootIssuer}api/v2/`, expiresIn: -60 }),
    },
    userManagement: await accessToken('/__emulator/tokens', { client: 'trusted-app', user: 'user@example.com', audience: `${rootIssuer}api/v2/`, scope: 'read:users' }),
  };

  // `ext` by path: genuine tokens from the emulator; the rest signed with ext's key, as the emulator would.
  const pathIssuer = `${t.url}/ext/`;
  const extUserinfo = await accessToken('/ext/oauth/token', login);
  const extManagement = await accessToken('/ext/oauth/token', { ...TRUSTED, grant_type: 'client_credentials', audience: `${pathIssuer}api/v2/` });
  const expire = (p: Record<string, unknown>) => ({ ...p, iat: now - 7200, exp: now - 60 });
  const extTarget = (issuer: string, prefix: string, host: string | undefined): Target => {
    const at = (token: string, aud: string | string[]) => resign(token, EXT_KEY, (p) => ({ ...p, iss: issuer, aud }));
    const genuine = { userinfo: at(extUserinfo, [API, `${issuer}userinfo`]), management: at(extManagement, `${issuer}api/v2/`) };
    return {
      issuer,
      prefix,
      host,
      genuine,
      expired: { userinfo: resign(genuine.userinfo, EXT_KEY, expire), management: resign(genuine.management, EXT_KEY, expire) },
      // A password-grant token (the user's, through the public or any client) whose audience is the Management API.
      userManagement: resign(genuine.userinfo, EXT_KEY, (p) => ({ ...p, aud: `${issuer}api/v2/`, scope: 'read:users' })),
    };
  };
  targets['ext path'] = extTarget(pathIssuer, '/ext', undefined);
  const port = new URL(t.url).port;
  targets['ext host'] = extTarget(`http://ext.localhost:${port}/`, '', `ext.localhost:${port}`);
});

afterAll(async () => {
  await t?.close();
  rmSync(KEY_DIR, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// The forgeries: each made from the genuine token of its target and endpoint
// ---------------------------------------------------------------------------------------------------------

const KINDS = [
  'another key',
  'alg none',
  'embedded jwk',
  'HS256 with the public key',
  'header altered',
  'payload altered',
  'another tenant',
  'wrong aud',
  'wrong iss',
  'expired',
] as const;
/** `genuine` is the control; `user token` is for the Management API only (second property). */
type Kind = (typeof KINDS)[number] | 'genuine' | 'user token';
/** Kinds the test can only make with the tenant's key (or, for expired, the control plane for the root tenant). */
const NEEDS_KEY = new Set<Kind>(['wrong aud', 'wrong iss']);

const pick = <T>(items: readonly T[], n: number): T => items[n % items.length]!;
const otherIssuer = (target: TargetName, n: number) => pick((Object.keys(targets) as TargetName[]).filter((name) => name !== target).map((name) => targets[name].issuer).concat('https://evil.example/'), n);

/** The token for `kind`; `n` picks one of its variants. */
function forge(kind: Kind, name: TargetName, endpoint: Endpoint, n: number): string {
  const target = targets[name];
  const genuine = target.genuine[endpoint];
  const { header, payload, h, p, s } = parts(genuine);
  switch (kind) {
    case 'genuine':
      return genuine;
    case 'another key':
      return signRs256(header, payload, FOREIGN_KEY);
    case 'alg none':
      return `${b64url({ ...pick([{}, { kid: header.kid }], n), alg: pick(['none', 'None', 'NONE'], Math.floor(n / 2)), typ: 'JWT' })}.${p}.${pick(['', s], Math.floor(n / 6))}`;
    case 'embedded jwk':
      // Signed with a key the token carries in its own header: jose must not take it.
      return signRs256({ ...header, jwk: createPublicKey(FOREIGN_KEY).export({ format: 'jwk' }) }, payload, FOREIGN_KEY);
    case 'HS256 with the public key': {
      // Algorithm confusion: an HMAC whose secret is the tenant's public key, as PEM.
      const publicPem = (name === 'root' ? rootKey! : createPublicKey(EXT_KEY)).export({ type: 'spki', format: 'pem' });
      const input = `${b64url({ ...header, alg: 'HS256' })}.${p}`;
      return `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
    }
    case 'header altered': {
      const edits = [{ alg: 'RS512' }, { alg: 'PS256' }, { kid: `${String(header.kid)}x` }, { typ: 'at+jwt' }, { jku: 'https://evil.example/jwks.json' }, { x5u: 'https://evil.example/cert.pem' }];
      return `${b64url({ ...header, ...pick(edits, n) })}.${p}.${s}`;
    }
    case 'payload altered': {
      const edits: ((q: Record<string, unknown>) => Record<string, unknown>)[] = [
        (q) => ({ ...q, sub: 'auth0|000000000000000000000000' }),
        (q) => ({ ...q, scope: `${String(q.scope)} read:users delete:users` }),
        (q) => ({ ...q, exp: (q.exp as number) + 365 * 86400 }),
        (q) => ({ ...q, 'https://example.com/admin': true }),
        ({ exp: _exp, ...q }) => q,
      ];
      return `${h}.${b64url(pick(edits, n)(payload))}.${s}`;
    }
    case 'another tenant': {
      // A token of the other tenant as it is, or this target's claims signed with the other tenant's key.
      if (name === 'root') return pick([targets['ext path'].genuine[endpoint], signRs256({ ...header, kid: extKid() }, payload, EXT_KEY)], n);
      return targets.root.genuine[endpoint];
    }
    case 'wrong aud': {
      const other = otherIssuer(name, n);
      const audiences = endpoint === 'userinfo' ? [API, [API, `${other}userinfo`]] : [`${other}api/v2/`, API, `${target.issuer}api/v2`];
      return resign(genuine, EXT_KEY, (q) => ({ ...q, aud: pick(audiences, n) }));
    }
    case 'wrong iss':
      // /userinfo: the audience still names this target's /userinfo, which `iss` no longer matches.
      return resign(genuine, EXT_KEY, (q) => ({ ...q, iss: otherIssuer(name, n) }));
    case 'expired':
      return target.expired[endpoint];
    case 'user token':
      return target.userManagement;
  }
}

/** The root tenant's public key and kid, from the JWKS it serves. */
let rootKey: KeyObject | undefined;
let rootKid = '';
const extKid = () => decodeHeader(targets['ext path'].genuine.userinfo).kid as string;

interface Answer {
  status: number;
  type: string;
  wwwAuthenticate: string;
  text: string;
}

async function send(name: TargetName, endpoint: Endpoint, method: 'GET' | 'POST', token: string): Promise<Answer> {
  const target = targets[name];
  const path = `${target.prefix}${endpoint === 'userinfo' ? '/userinfo' : '/api/v2/users'}`;
  // fetch cannot set Host: node's http client can.
  return new Promise((resolve, reject) => {
    const url = new URL(t.url);
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { Authorization: `Bearer ${token}`, ...(target.host ? { Host: target.host } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), wwwAuthenticate: String(res.headers['www-authenticate'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The endpoint's documented 401 for a token it does not accept: "Invalid token", or the expired one's text. */
function expectRefused(endpoint: Endpoint, kind: Kind, token: string, res: Answer): void {
  const expired = kind === 'expired';
  expect(res.status).toBe(401);
  if (endpoint === 'userinfo') {
    expect(res.type).toMatch(/^text\/plain/);
    expect(res.text).toBe('Unauthorized');
    expect(res.wwwAuthenticate).toBe(`Bearer realm="Users", error="invalid_token", error_description="${expired ? 'The token has expired' : 'Invalid token'}"`);
  } else {
    // A token that is right in all but its audience is told which audience it has (Auth0's "Bad audience").
    const message = expired ? 'Expired token received for JSON Web Token validation' : kind === 'wrong aud' ? `Bad audience: ${String(decode(token).aud)}` : 'Invalid token';
    expect(JSON.parse(res.text)).toEqual({ statusCode: 401, error: 'Unauthorized', message });
  }
}

function expectAccepted(endpoint: Endpoint, res: Answer): void {
  expect(res.status).toBe(200);
  const body = JSON.parse(res.text) as unknown;
  if (endpoint === 'userinfo') expect(body).toEqual(expect.objectContaining({ sub: expect.stringMatching(/^auth0\|/) }));
  else expect(body).toEqual(expect.arrayContaining([expect.objectContaining({ email: 'user@example.com' })]));
}

interface Case {
  kind: Kind;
  target: TargetName;
  endpoint: Endpoint;
  method: 'GET' | 'POST';
  variant: number;
}
/** The case and its token's header and claims (not the token itself, which would be a credential in a log). */
const describeCase = (c: Case, token: string) => {
  const shown = (i: number) => {
    try {
      return Buffer.from(token.split('.')[i] ?? '', 'base64url').toString('utf8');
    } catch {
      return '?';
    }
  };
  return `${c.kind} (variant ${c.variant}) at ${c.target} ${c.endpoint}, ${c.method}; header ${shown(0)}; claims ${shown(1)}`;
};

/** Every (kind, target, endpoint) the test can make, each as likely as the others. */
function combinations(kinds: readonly Kind[], endpoints: readonly Endpoint[]): Omit<Case, 'method' | 'variant'>[] {
  return kinds.flatMap((kind) =>
    (['root', 'ext path', 'ext host'] as const).filter((target) => target !== 'root' || !NEEDS_KEY.has(kind)).flatMap((target) => endpoints.map((endpoint) => ({ kind, target, endpoint }))),
  );
}

const caseArb = (combos: Omit<Case, 'method' | 'variant'>[]) =>
  fc.record({ combo: fc.constantFrom(...combos), method: fc.constantFrom<'GET' | 'POST'>('GET', 'POST'), variant: fc.nat(59) }).map(
    ({ combo, method, variant }): Case => ({ ...combo, method: combo.endpoint === 'management' ? 'GET' : method, variant }),
  );

async function check(c: Case, counts: Map<string, number>): Promise<void> {
  const token = forge(c.kind, c.target, c.endpoint, c.variant);
  const res = await send(c.target, c.endpoint, c.method, token);
  try {
    if (c.kind === 'genuine') expectAccepted(c.endpoint, res);
    else expectRefused(c.endpoint, c.kind, token, res);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n  status ${res.status}\n  body ${JSON.stringify(res.text.slice(0, 300))}\n  case ${describeCase(c, token)}`);
  }
  if (unexpected.length > 0) throw new Error(`the emulator reported an unexpected error (a bug): ${String(unexpected.splice(0)[0])}\n  case ${describeCase(c, token)}`);
  counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
}

/** Each kind was sent about as often as the generator picks it (less four standard deviations). */
function expectEveryKind(counts: Map<string, number>, combos: Omit<Case, 'method' | 'variant'>[]): void {
  const sent = [...counts.values()].reduce((a, b) => a + b, 0);
  for (const kind of new Set(combos.map((c) => c.kind))) {
    const mean = (sent * combos.filter((c) => c.kind === kind).length) / combos.length;
    expect(counts.get(kind) ?? 0, `${kind}: cases sent (of ${sent})`).toBeGreaterThanOrEqual(Math.max(0, Math.floor(mean - 4 * Math.sqrt(mean))));
  }
}

describe('forged and foreign tokens', () => {
  beforeAll(async () => {
    const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: (Record<string, unknown> & { kid: string })[] };
    rootKey = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' });
    rootKid = jwks.keys[0]!.kid;
    expect(decodeHeader(targets.root.genuine.userinfo).kid).toBe(rootKid);
  });

  it('every genuine token is accepted where it is sent (the control for what follows)', async () => {
    for (const name of Object.keys(targets) as TargetName[]) {
      for (const endpoint of ['userinfo', 'management'] as const) expectAccepted(endpoint, await send(name, endpoint, 'GET', targets[name].genuine[endpoint]));
    }
  });

  it(
    'are refused at /userinfo and the Management API with their 401, whatever is forged: key, algorithm, header, claims, tenant, audience, issuer, expiry, a user\'s token at the Management API',
    async () => {
      // A user's token is a genuine token at /userinfo, and never a Management API token (issue 10, finding 1).
      const combos = combinations(['genuine', ...KINDS], ['userinfo', 'management']).concat(
        (['root', 'ext path', 'ext host'] as const).map((target) => ({ kind: 'user token' as Kind, target, endpoint: 'management' as const })),
      );
      const counts = new Map<string, number>();
      await runProperty(
        'forged tokens',
        fc.asyncProperty(fc.array(caseArb(combos), { minLength: 1, maxLength: 6 }), async (cases) => {
          unexpected.length = 0;
          await Promise.all(cases.map((c) => check(c, counts)));
        }),
        RUNS / 4,
      );
      console.log(`fuzz: ${summary()}; answered as they should be: ${[...counts].map(([kind, n]) => `${kind} ×${n}`).join(', ')}`);
      expectEveryKind(counts, combos);
    },
    timeoutFor('forged tokens'),
  );
});
