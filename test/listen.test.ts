/**
 * Where the emulator listens and how long it waits for a slow client (issue 10, friction): `curl -6` was
 * refused, and slow clients' sockets closed at ~29 s and ~59 s instead of 10 s and 30 s. Real sockets.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../src/index.js';
import { PortInUseError } from '../src/emulator.js';
import { EXAMPLE_CONFIG, holdPortOnIpv6Only } from './helpers.js';

const emulators: Emulator[] = [];
const blockers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
  await Promise.all(blockers.splice(0).map((close) => close()));
});

async function emulator(options: { host?: string; onError?: (err: unknown) => void } = {}): Promise<Emulator> {
  const e = await createEmulator({ config: EXAMPLE_CONFIG, stateDir: false, ...options });
  emulators.push(e);
  return e;
}

const discovery = (base: string) => fetch(`${base}/.well-known/openid-configuration`);

/** The fetch error's cause code (ECONNREFUSED), or 'ok' when it answered. */
async function reach(base: string): Promise<string> {
  try {
    await (await discovery(base)).arrayBuffer();
    return 'ok';
  } catch (err) {
    return ((err as { cause?: { code?: string } }).cause?.code ?? String(err)) as string;
  }
}

describe('listening', () => {
  it('with the default host, answers on 127.0.0.1 and [::1] at the same port; url names 127.0.0.1; close stops both', async () => {
    const e = await emulator();
    const url = await e.listen(0);
    const port = new URL(url).port;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(e.url).toBe(url);
    const v6 = await discovery(`http://[::1]:${port}`);
    expect(v6.status).toBe(200);
    // The issuer follows the URL used, as for any other host name.
    expect(((await v6.json()) as { issuer: string }).issuer).toBe(`http://[::1]:${port}/`);
    expect(await reach(`http://127.0.0.1:${port}`)).toBe('ok');

    await e.close();
    expect(await reach(`http://127.0.0.1:${port}`)).toBe('ECONNREFUSED');
    expect(await reach(`http://[::1]:${port}`)).toBe('ECONNREFUSED');
  });

  it('with a host named, listens there only', async () => {
    const e = await emulator({ host: '127.0.0.1' });
    const port = new URL(await e.listen(0)).port;
    expect(await reach(`http://127.0.0.1:${port}`)).toBe('ok');
    expect(await reach(`http://[::1]:${port}`)).toBe('ECONNREFUSED');
  });

  // Chosen: another program on [::1] at the port would answer every client that tries ::1 first, so the
  // emulator refuses to start (as for a busy 127.0.0.1), and leaves nothing listening.
  it('refuses a port another program holds on ::1, and leaves 127.0.0.1 free', async () => {
    const { port, close } = await holdPortOnIpv6Only();
    blockers.push(close);
    const e = await emulator();
    const err = await e.listen(port).catch((error: unknown) => error);
    expect(err).toBeInstanceOf(PortInUseError);
    expect(err).toMatchObject({ port, host: '::1', message: `Port ${port} on ::1 is already in use.` });
    expect(e.url).toBeUndefined();
    expect(await reach(`http://127.0.0.1:${port}`)).toBe('ECONNREFUSED');
    // Not listening, so it can listen elsewhere.
    expect(await e.listen(0)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('slow clients', () => {
  /** A raw connection that sends `text` and then nothing; resolves with what the server sent once it closes. */
  async function stall(port: number, text: string): Promise<string> {
    const socket: Socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(text);
    let received = '';
    socket.setEncoding('utf8').on('data', (d: string) => (received += d));
    await once(socket, 'close');
    return received;
  }

  it('closes a connection whose headers do not arrive within the headers timeout (408)', async () => {
    const e = await emulator();
    const port = Number(new URL(await e.listen(0, undefined, { headersMs: 300, requestMs: 600 })).port);
    const answer = await stall(port, 'GET /.well-known/jwks.json HTTP/1.1\r\nHost: localhost\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('closes a connection whose body does not arrive within the request timeout, on either lane, as no internal error', async () => {
    const errors: unknown[] = [];
    const e = await emulator({ onError: (err) => errors.push(err) });
    const port = Number(new URL(await e.listen(0, undefined, { headersMs: 300, requestMs: 600 })).port);
    // /oauth/token is answered on node:http directly, /__emulator/users by koa.
    for (const path of ['/oauth/token', '/__emulator/users']) {
      const answer = await stall(port, `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"grant`);
      expect(answer, path).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    }
    expect(errors).toEqual([]);
  });

  it('does not close a request that arrives in time, or a log stream that stays open past both timeouts', async () => {
    const e = await emulator();
    const base = await e.listen(0, undefined, { headersMs: 300, requestMs: 600 });
    const res = await fetch(`${base}/__emulator/logs`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(': auth-emulator extension logs\n\n');
    let ended = false;
    const next = reader.read().finally(() => (ended = true));
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await discovery(base)).status).toBe(200);
    // Still open past both timeouts: the stream ends when the emulator closes.
    expect(ended).toBe(false);
    await e.close();
    await expect(next).rejects.toThrow('terminated');
  });
});
