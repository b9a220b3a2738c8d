#!/usr/bin/env node
// `npm start`: builds the server, SDK, CLI and web app when their sources changed since the
// last build (`npm run build` writes .lumina-build-stamp when it succeeds), then runs the
// server in this process from its bundle (scripts/bundle-server.mjs: one file set to load
// instead of ~2,000 modules, about half the CPU before /health answers). Configuration:
// environment variables.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, '.lumina-build-stamp');
const sources = [
  'packages/server/src',
  'packages/sdk/src',
  'packages/cli/src',
  'packages/web/src',
  'packages/web/index.html',
  'packages/web/vite.config.ts',
  'packages/web/public',
  'package-lock.json',
  'scripts/bundle-server.mjs',
];
const outputs = [
  'packages/server/dist/index.js',
  'packages/server/dist/bundle/server.js',
  'packages/cli/dist/bin.js',
  'packages/web/dist/index.html',
];

function newestMtime(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target))
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const stale =
  outputs.some((file) => !fs.existsSync(path.join(root, file))) ||
  sources.some((source) => newestMtime(path.join(root, source)) > built);

if (stale) {
  console.error('lumina: building (first start or sources changed) …');
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error('lumina: the build failed; see the output above');
    process.exit(result.status ?? 1);
  }
}

// The bundle's entry is packages/server/src/bin.ts: it runs the server when imported.
await import('../packages/server/dist/bundle/server.js');
