/**
 * Everything `npm ci` installs runs on the oldest Node that package.json's `engines` accepts (issue 10,
 * friction: a dev dependency of a dev dependency needed Node ≥ 22.19 and `npm ci` warned EBADENGINE on Node 20).
 * Read from package-lock.json, which records each package's own `engines`.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'));

describe('engines', () => {
  it('every package in package-lock.json accepts the oldest Node that package.json accepts', () => {
    const oldest = semver.minVersion(read('package.json').engines.node as string)!.version;
    expect(oldest).toBe('20.19.0');
    const lock = read('package-lock.json') as { packages: Record<string, { engines?: { node?: string } | string[] }> };
    const refusing = Object.entries(lock.packages)
      .map(([path, meta]) => [path, Array.isArray(meta.engines) ? undefined : meta.engines?.node] as const)
      .filter(([path, range]) => path !== '' && range !== undefined && !semver.satisfies(oldest, range))
      .map(([path, range]) => `${path} needs node ${range}`);
    expect(refusing).toEqual([]);
  });
});
