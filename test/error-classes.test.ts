/**
 * The emulator's errors outside the OAuth family (src/errors.ts) are told apart by class and rendered in one
 * place (src/http/render-error.ts), in the dialect of where they happen: the same refusal is the Management
 * API's `{statusCode, error, message, errorCode}` under /api/v2 and `{error, error_description}` on the
 * control plane. Nothing reads an error's text to decide what it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeError, ConfigError, EmulatorError, MintError, PortInUseError, RequestError, StateError } from '../src/index.js';
import { errorResponse, knownError } from '../src/http/render-error.js';
import { TimeRangeError } from '../src/runtime/clock.js';
import { KeyError } from '../src/tokens/key-store.js';
import { fixture, startEmulator, type TestEmulator } from './helpers.js';

const render = (err: unknown, dialect: 'oauth' | 'management' | 'page' = 'oauth') => {
  const unexpected: unknown[] = [];
  const response = errorResponse(knownError(err, (e) => unexpected.push(e), dialect));
  return { status: response.status, body: JSON.parse(response.body) as unknown, unexpected };
};

describe('error classes', () => {
  it('are EmulatorErrors named after their class; refusals of a request carry a status and a code', () => {
    const errors = [new ConfigError('auth.config.yaml', [{ path: '', message: 'x' }]), new KeyError('k'), new StateError('s'), new PortInUseError(4400, '127.0.0.1'), new MintError('m'), new ChangeError(409, 'conflict', 'c')];
    expect(errors.map((e) => e instanceof EmulatorError && e.name)).toEqual(['ConfigError', 'KeyError', 'StateError', 'PortInUseError', 'MintError', 'ChangeError']);
    expect(new MintError('m')).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(new ChangeError(409, 'conflict', 'c')).toBeInstanceOf(RequestError);
    // The clock's refusals stay RangeErrors, as README documents.
    expect(new TimeRangeError('t')).toBeInstanceOf(RangeError);
  });

  it('a refusal renders in the dialect of where it happened', () => {
    const refusal = new ChangeError(409, 'auth0_idp_error', 'The user already exists.');
    expect(render(refusal, 'management')).toEqual({ status: 409, body: { statusCode: 409, error: 'Conflict', message: 'The user already exists.', errorCode: 'auth0_idp_error' }, unexpected: [] });
    expect(render(refusal, 'oauth')).toEqual({ status: 409, body: { error: 'auth0_idp_error', error_description: 'The user already exists.' }, unexpected: [] });
    expect(render(new MintError('No client "x" in tenant "dev".'))).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'No client "x" in tenant "dev".' }, unexpected: [] });
    expect(render(new TimeRangeError('The clock must stay between …'))).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('a state-folder failure is a 500 with its reason in the log line only; anything else unknown is reported as a bug', () => {
    const state = knownError(new StateError('Cannot use the state folder /x: it is on a read-only file system.'), () => {});
    expect(state).toMatchObject({ status: 500, error: 'server_error', description: 'Internal error in the emulator (see its log)', logDetail: 'Cannot use the state folder /x: it is on a read-only file system.' });
    // A RangeError that is not the clock's is a bug, not a client's mistake (the control plane used to answer 400).
    const bug = new RangeError('Invalid time value');
    expect(render(bug)).toEqual({ status: 500, body: { error: 'server_error', error_description: 'Internal error in the emulator (see its log)' }, unexpected: [bug] });
  });
});

describe('the runtime API names what it needs by class', () => {
  let m: TestEmulator;
  beforeAll(async () => {
    m = await startEmulator({ config: fixture('multi-tenant.yaml') });
  });
  afterAll(() => m.close());

  it('a call that must name the tenant is a ChangeError (400 invalid_request), in process and on the control plane', async () => {
    let thrown: unknown;
    try {
      m.emulator.listUsers();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ChangeError);
    expect(thrown).toMatchObject({ status: 400, code: 'invalid_request', message: 'Name the tenant: this config has several (acme, globex).' });
    const res = await m.http.get('/__emulator/users').expect(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Name the tenant: this config has several (acme, globex).' });
    const mint = await m.http.post('/__emulator/tokens').send({ client: 'x' }).expect(400);
    expect(mint.body).toEqual({ error: 'invalid_request', error_description: 'Name the tenant: this config has several (acme, globex).' });
  });
});
