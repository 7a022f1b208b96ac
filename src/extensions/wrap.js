// @ts-check
/**
 * How user extension code becomes a function, shared by the syntax check at config load and the worker
 * that runs it. A file is either a bare function expression pasted from Auth0's dashboard
 * (`function (user, context, callback) { … }`) or a CommonJS module (`module.exports = …`, `exports.onExecute… =`).
 * The wrapper starts on the file's first line, so line numbers in errors and stacks are the file's own.
 */
import vm from 'node:vm';

const PARAMS = 'exports, require, module, __filename, __dirname';
const MODULE_PREFIX = `(function (${PARAMS}) {`;

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
    return { script: new vm.Script(`(function (${PARAMS}) { return (${body}\n); })`, { filename }), expression: true };
  } catch {
    return { script: new vm.Script(`${MODULE_PREFIX}${body}\n})`, { filename }), expression: false };
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
  const column = caret >= 0 ? caret + 1 - (line === 1 ? MODULE_PREFIX.length : 0) : 1;
  return { line, column: Math.max(column, 1) };
}
