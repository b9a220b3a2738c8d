import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { generateOpenApiDocument } from './openapi-document.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => fs.readFileSync(fileURLToPath(new URL(file, root)), 'utf8');

describe('the committed API contract', () => {
  it('openapi.json matches the routes (run "npm run openapi" after changing a route)', async () => {
    const generated = `${JSON.stringify(await generateOpenApiDocument(), null, 2)}\n`;
    expect(read('openapi.json')).toBe(generated);
  });

  it('the SDK types match openapi.json (run "npm run openapi")', async () => {
    const ast = await openapiTS(JSON.parse(read('openapi.json')));
    const generated = astToString(ast);
    const committed = read('packages/sdk/src/schema.ts');
    // The CLI adds a banner comment; compare the generated body.
    expect(committed.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim()).toBe(generated.trim());
  });
});
