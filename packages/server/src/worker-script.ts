import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The file a `worker_threads` Worker starts from, for a worker module of ours: the bundle's own
 * entry when running from dist/bundle (`bundled`, the URL scripts/bundle-server.mjs defines,
 * relative to the calling module's tsc location), tsc's `.js` beside the caller from the
 * per-file build, and, from the TypeScript sources (tests, `npm run dev`), the `.ts` built once
 * with esbuild into packages/server/node_modules/.cache/lumina (Node 20 cannot start a Worker from
 * `.ts`). The PGlite worker (db/pglite-thread-client.ts) and the attachment text worker use it.
 *
 * @example const url = await workerScriptUrl(import.meta.url, './extraction-worker', BUNDLED);
 */
export async function workerScriptUrl(
  callerUrl: string,
  /** The worker module relative to the caller, without extension: `./extraction-worker`. */
  relative: string,
  bundled: string | undefined,
): Promise<URL> {
  if (bundled !== undefined) return new URL(bundled, callerUrl);
  if (!callerUrl.endsWith('.ts')) return new URL(`${relative}.js`, callerUrl);
  const source = fileURLToPath(new URL(`${relative}.ts`, callerUrl));
  let built = builtFromSource.get(source);
  if (!built) {
    built = buildFromSource(source).catch((err: unknown) => {
      builtFromSource.delete(source);
      throw err;
    });
    builtFromSource.set(source, built);
  }
  return built;
}

const builtFromSource = new Map<string, Promise<URL>>();

async function buildFromSource(source: string): Promise<URL> {
  // esbuild is a development dependency: loaded only when running from the sources.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [source],
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  // Under the package, so the worker's imports resolve to the same node_modules as the sources'.
  const dir = fileURLToPath(new URL('../node_modules/.cache/lumina/', import.meta.url));
  const name = path.basename(source, '.ts');
  const file = path.join(dir, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    // Test processes build at the same time: each writes its own file, and renames are atomic.
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, file);
  }
  return pathToFileURL(file);
}
