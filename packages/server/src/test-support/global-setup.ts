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
 * Why this run may not start, or undefined. On CI the PostgreSQL variants of the storage suites
 * and the Redis suites must run: without TEST_DATABASE_URL / TEST_REDIS_URL they would only be
 * reported as skipped, and a green run would prove nothing about either server.
 *
 * @example
 * missingCiServices({ CI: 'true', TEST_REDIS_URL: 'redis://127.0.0.1:6379' });
 * // 'CI is set but TEST_DATABASE_URL is not: …'
 */
export function missingCiServices(env: NodeJS.ProcessEnv): string | undefined {
  const ci = env.CI?.trim().toLowerCase();
  if (!ci || ci === 'false' || ci === '0') return undefined;
  const missing = ['TEST_DATABASE_URL', 'TEST_REDIS_URL'].filter((name) => !env[name]?.trim());
  if (missing.length === 0) return undefined;
  return (
    `CI is set but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not: the PostgreSQL and Redis ` +
    'variants of the tests would be skipped. Point them at a PostgreSQL server (any database; each test ' +
    'file creates its own) and a Redis server, as .ci/run does, or unset CI to run without them.'
  );
}

/**
 * PGlite's initdb costs seconds, so it runs once per test run: a migrated template directory
 * that each test copies (see createTestStorage). Refuses to start a CI run that would skip the
 * PostgreSQL or Redis variants.
 */
export default async function setup(project: TestProject) {
  const problem = missingCiServices(process.env);
  if (problem) throw new Error(problem);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-template-'));
  const storage = await openStorage({ dataDir: root });
  await storage.close();
  project.provide('pgliteTemplateDir', path.join(root, 'db'));
  return () => fs.rmSync(root, { recursive: true, force: true });
}
