/**
 * A server-sent-events response that holds at most `maxBuffered` bytes for a reader that does not keep up
 * (a stopped `auth-emulator logs`, a client that never reads). Past that, events for this reader are dropped
 * and counted, and once it has taken what was buffered it gets one `dropped` event saying how many it missed.
 * Writing never waits: a stuck reader costs its own buffer and nothing else (other readers, the request path).
 */
import type { ServerResponse } from 'node:http';

/** Enough for thousands of log lines, on top of what the kernel's socket buffers hold. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/** What chunked transfer encoding adds around each write (hex size, two CRLFs), counted in `buffered` too. */
const CHUNK_FRAMING = 16;

export class EventStream {
  readonly #res: ServerResponse;
  readonly #maxBuffered: number;
  /** Dropped since the reader was last told. */
  #unreported = 0;
  #dropped = 0;

  constructor(res: ServerResponse, options: { maxBuffered?: number } = {}) {
    this.#res = res;
    this.#maxBuffered = options.maxBuffered ?? MAX_BUFFERED_BYTES;
    res.on('drain', () => this.#report());
  }

  /** Bytes written to this response that the reader has not taken yet (node's buffers, not the kernel's). */
  get buffered(): number {
    return this.#res.writableLength;
  }

  /** Events dropped for this reader so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Sends one `data:` event (single-line text); false when it was dropped because the reader is behind. */
  send(data: string): boolean {
    this.#report();
    if (this.#write(`data: ${data}\n\n`)) return true;
    this.#dropped++;
    this.#unreported++;
    return false;
  }

  /** A comment line (a heartbeat), sent only when nothing is waiting: pending data keeps the line alive too. */
  comment(text: string): void {
    if (this.buffered === 0) this.#write(`: ${text}\n\n`);
  }

  /** Writes `text` unless it would take the buffer past the bound. An empty buffer takes any one event. */
  #write(text: string): boolean {
    if (this.#res.destroyed || this.#res.writableEnded) return false;
    if (this.buffered > 0 && this.buffered + Buffer.byteLength(text) + CHUNK_FRAMING > this.#maxBuffered) return false;
    // As bytes, so that `buffered` counts bytes (node counts a string by its length in characters).
    this.#res.write(Buffer.from(text));
    return true;
  }

  /** Tells the reader how many events it missed, once there is room again. */
  #report(): void {
    if (this.#unreported === 0) return;
    if (this.#write(`event: dropped\ndata: ${JSON.stringify({ dropped: this.#unreported })}\n\n`)) this.#unreported = 0;
  }
}
