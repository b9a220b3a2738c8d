#!/usr/bin/env node
// Regenerates openapi.json (repo root) from the route schemas, then the SDK's types from it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const check = process.argv.includes('--check');
const json = execFileSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '-e',
    `import('./packages/server/src/openapi-document.ts').then(async (m) => process.stdout.write(JSON.stringify(await m.generateOpenApiDocument(), null, 2) + '\\n'))`,
  ],
  { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
if (check) {
  const current = fs.existsSync('openapi.json') ? fs.readFileSync('openapi.json', 'utf8') : '';
  if (current !== json) {
    console.error('openapi.json is out of date: run "npm run openapi" and commit the result');
    process.exit(1);
  }
  console.log('openapi.json is up to date');
} else {
  fs.writeFileSync('openapi.json', json);
  execFileSync('npx', ['openapi-typescript', 'openapi.json', '-o', 'packages/sdk/src/schema.ts'], {
    stdio: 'inherit',
  });
  console.log('wrote openapi.json and packages/sdk/src/schema.ts');
}
