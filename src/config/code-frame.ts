/** A short code frame for error messages: the line before, the line, and a caret under the column. */
export function codeFrame(text: string, line: number, column: number): string {
  const lines = text.split(/\r?\n/);
  const width = String(line).length;
  const row = (n: number, mark: string) => `    ${mark} ${String(n).padStart(width)} | ${lines[n - 1] ?? ''}`;
  const out = line > 1 ? [row(line - 1, ' ')] : [];
  out.push(row(line, '>'), `      ${' '.repeat(width)} | ${' '.repeat(Math.max(column - 1, 0))}^`);
  return out.join('\n');
}

