// @ts-check
/**
 * How user extension code becomes a function, shared by the syntax check at config load and the worker
 * that runs it. A file is either a bare function expression pasted from Auth0's dashboard
 * (`function (user, context, callback) { … }`) or a CommonJS module (`module.exports = …`, `exports.onExecute… =`).
 * The wrapper starts on the file's first line, so line numbers in errors and stacks are the file's own.
 */
import vm from 'node:vm';

// `console` is a parameter so that files sharing one context (a tenant's rules) each log under their own name.
const PARAMS = 'exports, require, module, __filename, __dirname, console';
const EXPRESSION_PREFIX = `(function (${PARAMS}) { return (`;
const MODULE_PREFIX = `(function (${PARAMS}) {`;
/** A file that starts (after comments) with `function` is a pasted bare function: report its own errors. */
const BARE_FUNCTION = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*(?:async\s+)?function\b/;

/**
 * Compiles `source`; returns the script and whether it is a bare expression (its value is the export).
 * Throws the SyntaxError of the module form when neither form compiles.
 * @param {string} source
 * @param {string} filename
 * @returns {{ script: vm.Script, expression: boolean }}
 */
export function compileExtension(source, filename) {
  const body = source.replace(/^#!.*/, '');
  try {
    return { script: new vm.Script(`${EXPRESSION_PREFIX}${body}\n); })`, { filename }), expression: true };
  } catch (expressionError) {
    try {
      return { script: new vm.Script(`${MODULE_PREFIX}${body}\n})`, { filename }), expression: false };
    } catch (moduleError) {
      const bare = BARE_FUNCTION.test(body);
      const err = /** @type {Error & { prefixLength?: number }} */ (bare ? expressionError : moduleError);
      err.prefixLength = bare ? EXPRESSION_PREFIX.length : MODULE_PREFIX.length;
      throw err;
    }
  }
}

/**
 * Where a SyntaxError from compileExtension points: vm puts `file:line` on the first line of the stack and
 * a caret under the column on the third.
 * @param {unknown} err
 * @returns {{ line: number, column: number } | undefined}
 */
export function syntaxErrorPosition(err) {
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack.split('\n') : [];
  const line = Number(/:(\d+)$/.exec(stack[0] ?? '')?.[1]);
  if (!Number.isInteger(line)) return undefined;
  const caret = (stack[2] ?? '').indexOf('^');
  const prefix = /** @type {{ prefixLength?: number }} */ (err).prefixLength ?? MODULE_PREFIX.length;
  const column = caret >= 0 ? caret + 1 - (line === 1 ? prefix : 0) : 1;
  return { line, column: Math.max(column, 1) };
}
