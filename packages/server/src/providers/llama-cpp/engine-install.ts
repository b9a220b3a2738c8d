import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ProviderError } from '../types.js';
import type { NodeLlamaCppModule } from './node-llama-cpp-api.js';

/** The node-llama-cpp release Lumina is tested against; the binary package must match it. */
export const ENGINE_VERSION = '3.22.1';

export const ENGINE_NOT_INSTALLED_MESSAGE =
  'The embedded engine is not installed: run "lumina engine install"';

/**
 * Where the engine lives by default: a private npm prefix inside the repo's node_modules. A
 * dot-directory there is ignored by npm (it survives `npm install` of other packages), by git
 * and by Biome, and goes away with `npm ci` together with the rest of the dependency tree.
 * It is separate from the workspace tree because `--omit=optional` in the workspace root would
 * also remove every other package's native binary (Biome's, Rollup's, argon2's).
 */
export const defaultEngineDir = (): string =>
  fileURLToPath(new URL('../../../../../node_modules/.lumina-engine', import.meta.url));

// CPU builds only: node-llama-cpp's default install also pulls CUDA and Vulkan builds
// (725 MB on linux-x64 against 85 MB for this one). On macOS arm64 the only build is Metal.
const CPU_BINARY_PACKAGES: Record<string, string> = {
  'linux-x64': '@node-llama-cpp/linux-x64',
  'linux-arm64': '@node-llama-cpp/linux-arm64',
  'linux-arm': '@node-llama-cpp/linux-armv7l',
  'darwin-arm64': '@node-llama-cpp/mac-arm64-metal',
  'darwin-x64': '@node-llama-cpp/mac-x64',
  'win32-x64': '@node-llama-cpp/win-x64',
  'win32-arm64': '@node-llama-cpp/win-arm64',
};

/**
 * The npm command that installs the engine with only the CPU binary for this platform.
 *
 * @example
 * engineInstallCommand({ engineDir: '/srv/lumina/node_modules/.lumina-engine' }).args.join(' ');
 * // 'install --prefix /srv/… --omit=optional … node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1'
 */
export function engineInstallCommand(options: { engineDir: string; platform?: string; arch?: string }): {
  command: string;
  args: string[];
} {
  const target = `${options.platform ?? process.platform}-${options.arch ?? process.arch}`;
  const binaryPackage = CPU_BINARY_PACKAGES[target];
  if (!binaryPackage) {
    throw new ProviderError(
      'provider_unavailable',
      `The embedded engine has no prebuilt binary for ${target}`,
      false,
    );
  }
  return {
    command: (options.platform ?? process.platform) === 'win32' ? 'npm.cmd' : 'npm',
    args: [
      'install',
      '--prefix',
      options.engineDir,
      // Skips the CUDA/Vulkan/other-platform optional packages; the CPU one is named explicitly.
      '--omit=optional',
      '--save-exact',
      // node-llama-cpp's postinstall only re-checks the prebuilt binary and otherwise downloads
      // llama.cpp sources to compile; nothing but the npm registry is reachable on our machines,
      // and installEngine checks the binary itself.
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      `node-llama-cpp@${ENGINE_VERSION}`,
      `${binaryPackage}@${ENGINE_VERSION}`,
    ],
  };
}

/**
 * Installs node-llama-cpp (CPU build only, ~85 MB, about 10 s) into a private npm prefix and
 * checks that its native binary loads. Backs `lumina engine install`.
 *
 * @example
 * await installEngine({ onOutput: (line) => process.stdout.write(`${line}\n`) });
 */
export async function installEngine(
  options: { engineDir?: string; onOutput?: (line: string) => void; signal?: AbortSignal } = {},
): Promise<{ engineDir: string; durationMs: number }> {
  const engineDir = options.engineDir ?? defaultEngineDir();
  const started = performance.now();
  await mkdir(engineDir, { recursive: true });
  // Without its own package.json npm would walk up and install into the workspace root.
  await writeFile(
    path.join(engineDir, 'package.json'),
    `${JSON.stringify({ name: 'lumina-engine', private: true, description: 'Installed by lumina engine install' }, null, 2)}\n`,
    { flag: 'wx' },
  ).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const { command, args } = engineInstallCommand({ engineDir });
  await runCommand(command, args, engineDir, options.onOutput, options.signal);

  loadedEngines.delete(engineDir);
  const engine = await loadEngine({ engineDir });
  // A dry run opens the native addon without starting a backend: proves the binary fits this CPU.
  await engine.getLlama({ gpu: false, build: 'never', skipDownload: true, dryRun: true });
  return { engineDir, durationMs: Math.round(performance.now() - started) };
}

const loadedEngines = new Map<string, Promise<NodeLlamaCppModule>>();

/**
 * Imports node-llama-cpp from the engine directory (or, failing that, from the normal module
 * path). Throws `ProviderError('provider_unavailable')` with the install command when absent.
 *
 * @example
 * const { getLlama } = await loadEngine();
 */
export function loadEngine(options: { engineDir?: string } = {}): Promise<NodeLlamaCppModule> {
  const engineDir = options.engineDir ?? defaultEngineDir();
  let loading = loadedEngines.get(engineDir);
  if (!loading) {
    loading = importEngine(engineDir);
    loadedEngines.set(engineDir, loading);
    // Only a success is remembered, so an install in a running server is picked up next call.
    loading.catch(() => loadedEngines.delete(engineDir));
  }
  return loading;
}

/**
 * True when node-llama-cpp can be imported; never throws.
 *
 * @example
 * if (!(await isEngineInstalled())) console.warn('run "lumina engine install"');
 */
export async function isEngineInstalled(options: { engineDir?: string } = {}): Promise<boolean> {
  return loadEngine(options).then(
    () => true,
    () => false,
  );
}

async function importEngine(engineDir: string): Promise<NodeLlamaCppModule> {
  const candidates: string[] = [];
  try {
    const entry = createRequire(path.join(engineDir, 'package.json')).resolve('node-llama-cpp');
    candidates.push(pathToFileURL(entry).href);
  } catch {
    // Not in the engine directory; the plain specifier below covers a regular dependency.
  }
  candidates.push('node-llama-cpp');
  for (const specifier of candidates) {
    const module = await import(specifier).catch(() => null);
    if (isEngineModule(module)) return module;
  }
  throw new ProviderError('provider_unavailable', ENGINE_NOT_INSTALLED_MESSAGE, false);
}

function isEngineModule(module: unknown): module is NodeLlamaCppModule {
  const candidate = module as Partial<NodeLlamaCppModule> | null;
  return (
    typeof candidate?.getLlama === 'function' &&
    typeof candidate.LlamaChat === 'function' &&
    typeof candidate.LlamaCompletion === 'function'
  );
}

function runCommand(
  command: string,
  args: string[],
  cwd: string,
  onOutput: ((line: string) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      signal,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) if (line.trim()) onOutput?.(line);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (error) =>
      reject(new ProviderError('provider_unavailable', `Could not run npm: ${error.message}`, false)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new ProviderError(
            'provider_unavailable',
            `Installing the embedded engine failed (npm exited with ${code})`,
            true,
          ),
        );
    });
  });
}
