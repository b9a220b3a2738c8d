import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// `npm install` on the oldest Node the README promises must print no warnings: an EBADENGINE
// warning says a package refuses that Node, and an unknown .npmrc key is reported on every npm
// command. Both were printed on a fresh clone.
const root = new URL('../', import.meta.url);
const readJson = (name: string) => JSON.parse(readFileSync(new URL(name, root), 'utf8'));

describe('the dependency tree', () => {
  it('runs on the oldest Node that package.json allows: no locked package asks for a newer one', () => {
    const oldest = semver.minVersion(readJson('package.json').engines.node)!.version;
    const packages = readJson('package-lock.json').packages as Record<
      string,
      { version?: string; engines?: { node?: string } }
    >;
    const refusing = Object.entries(packages)
      .filter(([, entry]) => entry.engines?.node && !semver.satisfies(oldest, entry.engines.node))
      .map(([where, entry]) => `${where}@${entry.version} wants node ${entry.engines!.node}`);
    expect(refusing).toEqual([]);
  });

  it('has an .npmrc that npm reads without a warning', () => {
    const result = spawnSync('npm', ['config', 'get', 'fund'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/Unknown project config/);
    expect(result.stdout.trim()).toBe('false');
  });
});
