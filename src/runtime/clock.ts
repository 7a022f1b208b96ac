/**
 * The emulator's clock: tokens are stamped with it and expiry is checked against it, so a test can freeze,
 * set and advance time instead of sleeping. It follows a source clock (Date.now by default) until frozen.
 */
/**
 * The times the clock may show: from the epoch to the last millisecond of year 9999. Tokens carry seconds since
 * the epoch (RFC 7519 NumericDate), so earlier times would stamp negative `iat`s, which no real token has; later
 * ones print as six-digit years (`+275760-…`) that ISO parsers refuse, and at the very end of the Date range
 * adding a token's lifetime (or letting a running clock tick) passes the largest Date there is. From year 9999
 * a token can live 270,000 years and still expire on a valid Date (the config allows 30 days).
 */
export const EARLIEST_TIME = 0;
export const LATEST_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const [EARLIEST_TEXT, LATEST_TEXT] = [new Date(EARLIEST_TIME).toISOString(), new Date(LATEST_TIME).toISOString()];
/** The range, for error messages: `1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z`. */
export const TIME_RANGE = `${EARLIEST_TEXT} to ${LATEST_TEXT}`;

/** Whether `ms` is a time the clock may show and a token may carry. */
export function inTimeRange(ms: number): boolean {
  return ms >= EARLIEST_TIME && ms <= LATEST_TIME;
}

/** A time the clock may not show: a RangeError (as README says), and a 400 on the control plane. */
export class TimeRangeError extends RangeError {}

/** `ms` if the clock may show it; a TimeRangeError naming the range otherwise. */
export function checkedTime(ms: number): number {
  if (!inTimeRange(ms)) {
    const date = new Date(ms);
    const shown = Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
    throw new TimeRangeError(`The clock must stay between ${EARLIEST_TEXT} and ${LATEST_TEXT} (got ${shown})`);
  }
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
    this.#frozenAt = at === undefined ? this.now() : checkedTime(+at);
  }

  /** Lets time run again from where it stands. */
  unfreeze(): void {
    if (this.#frozenAt === undefined) return;
    this.#offset = this.#frozenAt - this.#source();
    this.#frozenAt = undefined;
  }

  /** Jumps to a time (frozen or running, as it was). */
  set(to: Date | number): void {
    const ms = checkedTime(+to);
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
