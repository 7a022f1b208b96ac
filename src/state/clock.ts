/**
 * The emulator's clock: tokens are stamped with it and expiry is checked against it, so a test can freeze,
 * set and advance time instead of sleeping. It follows a source clock (Date.now by default) until frozen.
 */
/** The range of a JavaScript Date: beyond it, times cannot be written as tokens' claims or ISO strings. */
const MAX_TIME = 8.64e15;

function checked(ms: number): number {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME) throw new RangeError(`The time must be within ±${MAX_TIME} ms of the epoch`);
  return ms;
}

export class Clock {
  readonly #source: () => number;
  #frozenAt: number | undefined;
  #offset = 0;

  constructor(source: () => number = Date.now) {
    this.#source = source;
  }

  /** Milliseconds since the epoch. */
  now(): number {
    return this.#frozenAt ?? this.#source() + this.#offset;
  }

  get frozen(): boolean {
    return this.#frozenAt !== undefined;
  }

  /** Stops time, at `at` (a Date or epoch ms) or at the current time. */
  freeze(at?: Date | number): void {
    this.#frozenAt = at === undefined ? this.now() : checked(+at);
  }

  /** Lets time run again from where it stands. */
  unfreeze(): void {
    if (this.#frozenAt === undefined) return;
    this.#offset = this.#frozenAt - this.#source();
    this.#frozenAt = undefined;
  }

  /** Jumps to a time (frozen or running, as it was). */
  set(to: Date | number): void {
    const ms = checked(+to);
    if (this.#frozenAt !== undefined) this.#frozenAt = ms;
    else this.#offset = ms - this.#source();
  }

  /** Moves time forward (or back, with a negative amount) by `ms`. */
  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  /** Back to the source clock, running. */
  reset(): void {
    this.#frozenAt = undefined;
    this.#offset = 0;
  }
}
