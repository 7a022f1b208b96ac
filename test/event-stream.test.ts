/**
 * The server-sent-events writer behind /__emulator/logs (issue 10, finding 5: one stopped reader grew the
 * emulator's memory without limit). Real sockets on a real server: one reader stops reading while megabytes of
 * events are written; its buffer stays under the bound, the other reader gets everything, and the stopped one
 * is told how many events it missed once it reads again. The `dropped` event is the emulator's own.
 */
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStream } from '../src/http/event-stream.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

/** A server whose every GET becomes an EventStream (bounded at `maxBuffered`), handed to the test in order. */
async function streamServer(maxBuffered: number) {
  const streams: EventStream[] = [];
  const waiting: ((s: EventStream) => void)[] = [];
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    const stream = new EventStream(res, { maxBuffered });
    stream.comment('hello');
    const next = waiting.shift();
    if (next) next(stream);
    else streams.push(stream);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const accepted = () => new Promise<EventStream>((r) => (streams.length ? r(streams.shift()!) : waiting.push(r)));
  return { url, accepted };
}

/** A reader that parses events as they arrive (it reads unless paused). */
function reader(url: string) {
  const events: { event?: string; data: string }[] = [];
  let res: IncomingMessage | undefined;
  let text = '';
  const connected = new Promise<void>((resolve, reject) => {
    get(url, { agent: false }, (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        text += chunk;
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const lines = text.slice(0, end).split('\n');
          text = text.slice(end + 2);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          if (data !== undefined) events.push(event ? { event, data } : { data });
        }
      });
      resolve();
    }).on('error', reject);
  });
  return {
    events,
    connected,
    pause: () => res!.pause(),
    resume: () => res!.resume(),
  };
}

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('EventStream', () => {
  it('holds at most maxBuffered bytes for a reader that stopped, drops the rest, and tells it when it reads again', async () => {
    const MAX = 64 * 1024;
    const { url, accepted } = await streamServer(MAX);
    const stalled = reader(url);
    await stalled.connected;
    const toStalled = await accepted();
    const live = reader(url);
    await live.connected;
    const toLive = await accepted();
    stalled.pause();

    // 24 MB in 4 KB events: far more than the kernel's socket buffers hold for the stopped reader. Written a few
    // at a time so the live reader (in this same process) gets turns to read.
    const TOTAL = 6_000;
    const payload = 'x'.repeat(4_000);
    let maxSeen = 0;
    for (let i = 0; i < TOTAL; i++) {
      toStalled.send(`${i} ${payload}`);
      toLive.send(`${i} ${payload}`);
      maxSeen = Math.max(maxSeen, toStalled.buffered);
      if (i % 8 === 7) await turn();
    }
    await until(() => live.events.length === TOTAL, 'the live reader to get every event');

    expect(maxSeen).toBeLessThanOrEqual(MAX);
    expect(toStalled.buffered).toBeGreaterThan(0);
    expect(toStalled.dropped).toBeGreaterThan(0);
    expect(toLive.dropped).toBe(0);
    expect(live.events.map((e) => Number(e.data.split(' ')[0]))).toEqual([...Array(TOTAL).keys()]);

    // Reading again, the stalled reader gets what was buffered and, wherever events were dropped, how many (the
    // kernel may take more of the stream while it stands still, so there can be several gaps); then new events.
    stalled.resume();
    const accounted = () => stalled.events.reduce((n, e) => n + (e.event === 'dropped' ? (JSON.parse(e.data) as { dropped: number }).dropped : 1), 0);
    await until(() => accounted() === TOTAL, 'every event to be received or reported dropped');
    toStalled.send('after');
    await until(() => stalled.events.at(-1)?.data === 'after', 'the event sent after the reader caught up');
    let next = 0;
    let reported = 0;
    for (const e of stalled.events.slice(0, -1)) {
      if (e.event === 'dropped') {
        const { dropped } = JSON.parse(e.data) as { dropped: number };
        expect(dropped).toBeGreaterThan(0);
        next += dropped;
        reported += dropped;
      } else {
        expect(Number(e.data.split(' ')[0])).toBe(next++);
      }
    }
    expect(next).toBe(TOTAL);
    expect(reported).toBe(toStalled.dropped);
  });

  it('takes one event larger than the bound when nothing is waiting', async () => {
    const { url, accepted } = await streamServer(1024);
    const r = reader(url);
    await r.connected;
    const stream = await accepted();
    const big = 'y'.repeat(10_000);
    expect(stream.send(big)).toBe(true);
    await until(() => r.events.length === 1, 'the large event');
    expect(r.events).toEqual([{ data: big }]);
    expect(stream.dropped).toBe(0);
  });
});
