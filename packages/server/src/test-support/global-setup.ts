import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openStorage } from '../db/storage.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplateDir: string;
  }
}

/**
 * PGlite's initdb costs seconds, so it runs once per test run: a migrated template directory
 * that each test copies (see createTestStorage).
 */
export default async function setup(project: TestProject) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-template-'));
  const storage = await openStorage({ dataDir: root });
  await storage.close();
  project.provide('pgliteTemplateDir', path.join(root, 'db'));
  return () => fs.rmSync(root, { recursive: true, force: true });
}
