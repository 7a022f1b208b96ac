/**
 * Runs a Python row's script with Debian's python3 (where apt's python3-jwt and python3-authlib are; another
 * python3 first on PATH, such as pyenv's, would not see them): the request on stdin, `{name: accepted}` back.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';

export function pythonResourceServer(script, { issuer, jwksUri, audience }) {
  return {
    acceptsAll: (tokens) =>
      new Promise((resolve, reject) => {
        const child = execFile(PYTHON, [join(import.meta.dirname, 'python', script)], { timeout: 30_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${script}: ${stderr.trim().split('\n').pop() || err.message}`)) : resolve(JSON.parse(stdout)),
        );
        child.stdin.end(JSON.stringify({ issuer, jwks_uri: jwksUri, audience, tokens }));
      }),
  };
}
