/**
 * Views are tagged templates: `html`…`` escapes every interpolated value (escape-html: `& < > " '`, so a
 * value is safe between tags and inside a quoted attribute), and what it returns is markup that goes into
 * another template as it is. `raw` is the one way to put markup in without escaping: for the emulator's
 * own constant fragments, never for anything a request or a config carries. No template engine: a view is
 * a function that returns `html`, compiled with the rest of the code.
 */
import escapeHtml from 'escape-html';

/** Markup safe to send as it is: built by `html` (its values escaped) or trusted with `raw`. */
export class Html {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  toString(): string {
    return this.#text;
  }
}

/** What a template takes: markup as it is; text and numbers escaped; lists joined; null, undefined and false left out. */
export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

function fragment(value: Interpolation): string {
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += fragment(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Trusted markup (the emulator's own constants), put in without escaping. */
export function raw(markup: string): Html {
  return new Html(markup);
}
