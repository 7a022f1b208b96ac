/**
 * The control plane, for tests written in any language: /__emulator/… (outside every tenant's URL space).
 * It answers loopback clients only; never expose it. Everything here is also on the programmatic API.
 *
 *   POST   /__emulator/reset                      back to the loaded config
 *   GET    /__emulator/users[?tenant=]            list users        POST  add one (JSON: connection?, email, password…)
 *   PATCH  /__emulator/users/:id                  update            DELETE remove
 *   POST   /__emulator/users/:id/block | unblock
 *   GET    /__emulator/clock                      {now, frozen}     POST  {freeze?, unfreeze?, set?, advance?}
 *   GET    /__emulator/journal                    recent requests   DELETE clear it
 *   POST   /__emulator/tokens                     mint (JSON: tenant?, client, user?, audience?, scope?, expiresIn?, notBefore?)
 *   POST   /__emulator/sessions                   start a login session (JSON: tenant?, user, connection?, issuer?):
 *                                                 its id and the cookies for a browser (default: for this host)
 *   GET    /__emulator/logs[?tenant=]             extension output, as server-sent events; a reader that falls
 *                                                 behind misses events and is told how many (`event: dropped`)
 */
import type { Context, Next } from 'koa';
import { RequestError } from '../errors.js';
import type { ExtensionLogEntry } from '../extensions/sandbox.js';
import type { MintOptions } from '../grants/mint.js';
import type { TokenResponse } from '../grants/types.js';
import { issuerAt, type Snapshot } from '../model/snapshot.js';
import type { Auth0User } from '../model/user-profile.js';
import { AccessDenied, InvalidRequest, NotFound } from '../oauth/errors.js';
import { checkedTime, type Clock } from '../runtime/clock.js';
import type { JournalEntry } from '../runtime/journal.js';
import type { UserInput, UserPatch } from '../runtime/runtime-changes.js';
import type { StartedSession, StartSessionOptions } from '../runtime/start-session.js';
import type { UserBlock } from '../store/login-failures.js';
import { readJsonBody } from './body.js';
import { throwIfUnmatched } from './unmatched.js';
import { isControlPath } from './control-path.js';
import { EventStream } from './event-stream.js';
import { routerFor } from './koa-routes.js';

const HEARTBEAT_MS = 15_000;

/** What the control plane needs from the emulator (it implements this). */
export interface ControlBackend {
  readonly clock: Clock;
  readonly snapshot: Snapshot;
  readonly journal: JournalEntry[];
  reset(): Promise<void>;
  clearJournal(): void;
  addUser(input: Omit<UserInput, 'connection'> & { connection?: string; tenant?: string }): Auth0User;
  updateUser(userId: string, patch: UserPatch, options: { tenant?: string }): Auth0User;
  removeUser(userId: string, options: { tenant?: string }): Promise<boolean>;
  listUsers(options: { tenant?: string }): Auth0User[];
  userBlocks(options: { tenant?: string }): Promise<UserBlock[]>;
  liftUserBlocks(user: string, options: { tenant?: string }): Promise<number | undefined>;
  mint(options: MintOptions): Promise<TokenResponse>;
  startSession(options: StartSessionOptions): Promise<StartedSession>;
  onExtensionLog(listener: (entry: ExtensionLogEntry) => void): () => void;
}

const isLoopback = (address: string | undefined) => address === '::1' || address?.startsWith('127.') === true || address?.startsWith('::ffff:127.') === true;
/** A loopback name in the Host header: another name pointing at 127.0.0.1 is DNS rebinding by a web page. */
const LOOPBACK_HOST = /^(?:localhost|(?:[a-z0-9-]+\.)*localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

const tenantOf = (ctx: Context) => (typeof ctx.query.tenant === 'string' && ctx.query.tenant ? ctx.query.tenant : undefined);

function object(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidRequest('The body must be a JSON object');
  return value as Record<string, unknown>;
}

function time(value: unknown, name: string): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new InvalidRequest(`${name} must be an ISO date or epoch milliseconds`);
  return ms;
}
function strings(body: Record<string, unknown>, ...names: string[]): void {
  for (const name of names) if (body[name] !== undefined && typeof body[name] !== 'string') throw new InvalidRequest(`${name} must be a string`);
}

/**
 * Applies `{unfreeze?, freeze?, set?, advance?, reset?}` in that order. Every value is checked first (types, then
 * the clock's range, a RangeError), so a refused request changes nothing.
 */
function applyClock(clock: Clock, body: Record<string, unknown>): void {
  const freezeAt = body.freeze === undefined || typeof body.freeze === 'boolean' ? undefined : time(body.freeze, 'freeze');
  const setTo = body.set === undefined ? undefined : time(body.set, 'set');
  if (body.advance !== undefined && (typeof body.advance !== 'number' || !Number.isFinite(body.advance))) throw new InvalidRequest('advance must be a number of milliseconds');
  const advance = body.advance as number | undefined;
  if (freezeAt !== undefined) checkedTime(freezeAt);
  if (setTo !== undefined) checkedTime(setTo);
  if (advance !== undefined) checkedTime((setTo ?? freezeAt ?? clock.now()) + advance);

  if (body.unfreeze === true) clock.unfreeze();
  if (body.freeze === true) clock.freeze();
  else if (freezeAt !== undefined) clock.freeze(freezeAt);
  if (setTo !== undefined) clock.set(setTo);
  if (advance !== undefined) clock.advance(advance);
  if (body.reset === true) clock.reset();
}

export function controlPlane(backend: ControlBackend) {
  const clockState = () => ({ now: new Date(backend.clock.now()).toISOString(), frozen: backend.clock.frozen });

  const router = routerFor<'control'>('control', {
    'control.reset': async (ctx) => {
      await backend.reset();
      ctx.status = 204;
    },
    'control.users.list': (ctx) => {
      ctx.body = backend.listUsers({ tenant: tenantOf(ctx) });
    },
    'control.users.add': async (ctx) => {
      const body = object(await readJsonBody(ctx));
      strings(body, 'tenant', 'connection');
      ctx.body = backend.addUser({ ...(body as unknown as UserInput), tenant: tenantOf(ctx) ?? (body.tenant as string | undefined) });
      ctx.status = 201;
    },
    'control.user.update': async (ctx) => {
      const patch = object(await readJsonBody(ctx)) as UserPatch;
      ctx.body = backend.updateUser(ctx.params.id!, patch, { tenant: tenantOf(ctx) });
    },
    'control.user.block': (ctx) => {
      ctx.body = backend.updateUser(ctx.params.id!, { blocked: true }, { tenant: tenantOf(ctx) });
    },
    'control.user.unblock': (ctx) => {
      ctx.body = backend.updateUser(ctx.params.id!, { blocked: false }, { tenant: tenantOf(ctx) });
    },
    'control.user-blocks.list': async (ctx) => {
      ctx.body = await backend.userBlocks({ tenant: tenantOf(ctx) });
    },
    'control.user-blocks.lift': async (ctx) => {
      if ((await backend.liftUserBlocks(ctx.params.id!, { tenant: tenantOf(ctx) })) === undefined) throw new NotFound(`No user ${ctx.params.id}`);
      ctx.status = 204;
    },
    'control.user.remove': async (ctx) => {
      if (!(await backend.removeUser(ctx.params.id!, { tenant: tenantOf(ctx) }))) throw new NotFound(`No user ${ctx.params.id}`);
      ctx.status = 204;
    },
    'control.clock.get': (ctx) => {
      ctx.body = clockState();
    },
    'control.clock.set': async (ctx) => {
      const body = object(await readJsonBody(ctx));
      applyClock(backend.clock, body);
      ctx.body = clockState();
    },
    'control.journal.get': (ctx) => {
      ctx.body = backend.journal;
    },
    'control.journal.clear': (ctx) => {
      backend.clearJournal();
      ctx.status = 204;
    },
    'control.tokens': async (ctx) => {
      const body = object(await readJsonBody(ctx));
      if (typeof body.client !== 'string') throw new InvalidRequest('Missing required parameter: client');
      strings(body, 'tenant', 'user', 'connection', 'audience', 'issuer');
      if (body.scope !== undefined && typeof body.scope !== 'string' && !(Array.isArray(body.scope) && body.scope.every((s) => typeof s === 'string'))) throw new InvalidRequest('scope must be a string or an array of strings');
      for (const name of ['expiresIn', 'notBefore']) if (body[name] !== undefined && (typeof body[name] !== 'number' || !Number.isFinite(body[name]))) throw new InvalidRequest(`${name} must be a number of seconds`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await backend.mint(body as unknown as MintOptions);
    },
    'control.sessions.create': async (ctx) => {
      const body = object(await readJsonBody(ctx));
      if (typeof body.user !== 'string') throw new InvalidRequest('Missing required parameter: user');
      strings(body, 'tenant', 'connection', 'issuer');
      const name = tenantOf(ctx) ?? (body.tenant as string | undefined);
      const tenant = name === undefined ? backend.snapshot.rootTenant : backend.snapshot.tenants.get(name);
      // By default the cookies are for the host the test called the control plane at (localhost:4400 →
      // localhost): the browser under test most likely reaches the emulator by that name too.
      const issuer = (body.issuer as string | undefined) ?? (tenant && issuerAt(backend.snapshot, tenant, `${ctx.protocol}://${ctx.host}`));
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await backend.startSession({ ...(body as unknown as StartSessionOptions), tenant: name, ...(issuer === undefined ? {} : { issuer }) });
      ctx.status = 201;
    },
    'control.logs': (ctx) => {
      const tenant = tenantOf(ctx);
      const tenants = [...backend.snapshot.tenants.keys()];
      if (tenant !== undefined && !tenants.includes(tenant)) {
        throw new RequestError(404, 'inexistent_tenant', `No tenant named "${tenant}". This emulator serves: ${tenants.join(', ')}.`);
      }
      const headers = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' };
      ctx.status = 200;
      if (ctx.method === 'HEAD') {
        ctx.set(headers);
        return;
      }
      ctx.req.socket.setTimeout(0);
      // Written here rather than through koa, so that back-pressure reaches the stream (event-stream.ts). On the
      // next turn of the loop: bytes after the request that do not parse (a GET with an unframed body) make node
      // answer 400, which it can only do while nothing has been written.
      ctx.respond = false;
      const res = ctx.res;
      setImmediate(() => {
        // Gone already (its 'close' has fired): nothing to follow.
        if (res.destroyed || !res.socket || res.socket.destroyed) return;
        res.writeHead(200, headers);
        const stream = new EventStream(res);
        stream.comment('auth-emulator extension logs');
        const unsubscribe = backend.onExtensionLog((entry) => {
          if (tenant === undefined || entry.tenant === tenant) stream.send(JSON.stringify(entry));
        });
        const heartbeat = setInterval(() => stream.comment('ping'), HEARTBEAT_MS);
        heartbeat.unref();
        res.once('close', () => {
          unsubscribe();
          clearInterval(heartbeat);
        });
      });
    },
  });

  const routes = router.routes();
  const methods = router.allowedMethods();
  return async function control(ctx: Context, next: Next): Promise<void> {
    if (!isControlPath(ctx.path)) return next();
    if (!isLoopback(ctx.socket.remoteAddress)) throw new AccessDenied('The /__emulator endpoints answer loopback clients only');
    // Browsers send Origin on cross-origin requests (and on every POST): the control plane is for test code.
    if (ctx.get('Origin')) throw new AccessDenied('The /__emulator endpoints do not answer browsers (the request has an Origin header)');
    if (!LOOPBACK_HOST.test(ctx.hostname)) throw new AccessDenied('The /__emulator endpoints answer only loopback host names');
    await routes(ctx as never, async () => {
      await methods(ctx as never, async () => {});
    });
    throwIfUnmatched(ctx);
  };
}
