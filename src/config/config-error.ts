/** Config problems, each with the file, line:column and path where it is, and one error carrying them all. */
import { EmulatorError } from '../errors.js';

export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
  /** Set when the problem is in another file than the config (a rule that does not compile). */
  file?: string;
  /** The offending line with its neighbour and a caret, when the text is at hand. */
  frame?: string;
}

export class ConfigError extends EmulatorError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[]) {
    const lines = problems.map((p) => `  ${formatProblem(file, p)}`);
    const only = problems.length === 1 ? problems[0]! : undefined;
    // A problem with the file as a whole (missing, a directory, too large) is one line.
    if (only && !only.path && only.line === undefined && (only.file ?? file) === file) super(`Invalid config ${file}: ${only.message}`);
    else super(`Invalid config ${file} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.file = file;
    this.problems = problems;
  }
}

/** `file:line:column  path: message`, then the code frame (a problem, or a warning). */
export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line === undefined ? (p.file ?? file) : `${p.file ?? file}:${p.line}:${p.column ?? 1}`;
  return `${where}  ${p.path ? `${p.path}: ` : ''}${p.message}${p.frame ? `\n${p.frame}` : ''}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

