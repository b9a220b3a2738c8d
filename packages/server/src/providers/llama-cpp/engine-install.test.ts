import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../types.js';
import {
  ENGINE_NOT_INSTALLED_MESSAGE,
  ENGINE_VERSION,
  engineInstallCommand,
  isEngineInstalled,
  loadEngine,
} from './engine-install.js';

describe('engineInstallCommand', () => {
  it('installs node-llama-cpp with only the CPU binary, without install scripts', () => {
    const { command, args } = engineInstallCommand({
      engineDir: '/srv/engine',
      platform: 'linux',
      arch: 'x64',
    });
    expect(command).toBe('npm');
    expect(args).toEqual(expect.arrayContaining(['install', '--prefix', '/srv/engine', '--omit=optional']));
    expect(args).toContain('--ignore-scripts');
    expect(args).toContain(`node-llama-cpp@${ENGINE_VERSION}`);
    expect(args).toContain(`@node-llama-cpp/linux-x64@${ENGINE_VERSION}`);
    expect(args.join(' ')).not.toMatch(/cuda|vulkan/);
  });

  it('picks the matching binary on other platforms and refuses unknown ones', () => {
    expect(engineInstallCommand({ engineDir: 'e', platform: 'darwin', arch: 'arm64' }).args).toContain(
      `@node-llama-cpp/mac-arm64-metal@${ENGINE_VERSION}`,
    );
    expect(engineInstallCommand({ engineDir: 'e', platform: 'win32', arch: 'x64' }).command).toBe('npm.cmd');
    expect(() => engineInstallCommand({ engineDir: 'e', platform: 'aix', arch: 'ppc64' })).toThrow(
      ProviderError,
    );
  });
});

describe('loadEngine', () => {
  it('fails with provider_unavailable and the install command when the engine is absent', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'lumina-no-engine-'));
    try {
      const failure = await loadEngine({ engineDir: empty }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProviderError);
      expect(failure).toMatchObject({ code: 'provider_unavailable', message: ENGINE_NOT_INSTALLED_MESSAGE });
      expect(await isEngineInstalled({ engineDir: empty })).toBe(false);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('loads the installed engine with the API the provider relies on', async () => {
    const engine = await loadEngine().catch((error: Error) => {
      throw new Error(
        `${error.message}. The engine tests need node-llama-cpp ${ENGINE_VERSION} (CPU build) in ` +
          'node_modules/.lumina-engine: `npm test` and `npm run test:unit` install it first; after a bare ' +
          '`npx vitest` run: node scripts/ensure-test-engine.mjs',
      );
    });
    expect(typeof engine.getLlama).toBe('function');
    expect(typeof engine.LlamaChat).toBe('function');
    expect(typeof engine.LlamaCompletion).toBe('function');
    const llama = await engine.getLlama({
      gpu: false,
      build: 'never',
      skipDownload: true,
      logLevel: 'error',
    });
    expect(typeof llama.loadModel).toBe('function');
    expect(typeof llama.createGrammarForJsonSchema).toBe('function');
    await llama.dispose();
  });
});
