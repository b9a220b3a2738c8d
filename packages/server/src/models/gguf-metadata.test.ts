import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../test-support/fixtures.js';
import { readGgufMetadata } from './gguf-metadata.js';

const testModel = (name: string) => {
  const file = fixturePath('models', name);
  return file;
};

describe('readGgufMetadata', () => {
  it('reads the header of stories260K', async () => {
    expect(await readGgufMetadata(testModel('stories260K.gguf'))).toEqual({
      version: 3,
      architecture: 'llama',
      name: 'llama',
      contextLength: 2048,
      embeddingLength: 64,
      blockCount: 5,
      sizeLabel: null,
      fileType: null,
      parameterCount: 292_800,
      tensorCount: 48,
      vocabularySize: 512,
      chatTemplate: null,
    });
  });

  it('reads the 32k-entry vocabulary of the tiny random Llama 2', async () => {
    const meta = await readGgufMetadata(testModel('llama-2-tiny-random.gguf'));
    expect(meta).toMatchObject({
      name: 'LLaMA v2',
      contextLength: 4096,
      vocabularySize: 32_000,
      fileType: 1,
    });
    expect(meta.parameterCount).toBe(513_048);
  });

  it('rejects files that are not GGUF or are cut short', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lumina-gguf-'));
    try {
      await writeFile(path.join(dir, 'text.gguf'), 'hello world, not a model');
      await expect(readGgufMetadata(path.join(dir, 'text.gguf'))).rejects.toThrow(/Not a GGUF file/);
      const head = (await readFile(testModel('stories260K.gguf'))).subarray(0, 300);
      await writeFile(path.join(dir, 'cut.gguf'), head);
      await expect(readGgufMetadata(path.join(dir, 'cut.gguf'))).rejects.toThrow(/Truncated/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
