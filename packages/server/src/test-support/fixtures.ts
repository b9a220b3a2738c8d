import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's `fixtures/` folder: the test models and third-party files the tests read
 * (fixtures/README.md names each file's source and licence). Resolved from this file, not from
 * the working directory, so a test finds it whichever folder vitest was started in.
 */
export const FIXTURES_DIR = fileURLToPath(new URL('../../../../fixtures/', import.meta.url));

/**
 * The absolute path of a file under fixtures/; throws when it is missing, because a test that
 * silently skipped its real-file checks would prove nothing.
 *
 * @example
 * readFileSync(fixturePath('sillytavern', 'default_Seraphina.png'));
 */
export function fixturePath(...segments: string[]): string {
  const file = path.join(FIXTURES_DIR, ...segments);
  if (!existsSync(file)) {
    throw new Error(`Test fixture missing: ${file} (it is part of the repository; see fixtures/README.md)`);
  }
  return file;
}
