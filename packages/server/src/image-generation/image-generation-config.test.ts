import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

describe('image generation configuration', () => {
  it('is off unless a backend is named', () => {
    expect(loadConfig({}).imageGeneration).toBeUndefined();
  });

  it('talks to OpenAI by default for the openai backend, with a two-minute timeout', () => {
    expect(
      loadConfig({ IMAGE_GENERATION_BACKEND: 'openai', IMAGE_GENERATION_API_KEY: 'sk-1' }).imageGeneration,
    ).toEqual({
      backend: 'openai',
      url: 'https://api.openai.com',
      apiKey: 'sk-1',
      model: undefined,
      timeoutMs: 120_000,
      comfyWorkflow: undefined,
    });
  });

  it('needs the address of a self-hosted service, and a backend for an address', () => {
    expect(() => loadConfig({ IMAGE_GENERATION_BACKEND: 'automatic1111' })).toThrow(
      /IMAGE_GENERATION_URL is required when IMAGE_GENERATION_BACKEND=automatic1111/,
    );
    expect(() => loadConfig({ IMAGE_GENERATION_URL: 'http://127.0.0.1:8188' })).toThrow(ConfigError);
    expect(() => loadConfig({ IMAGE_GENERATION_BACKEND: 'midjourney' })).toThrow(
      /IMAGE_GENERATION_BACKEND must be openai, automatic1111 or comfyui/,
    );
    const comfy = loadConfig({
      IMAGE_GENERATION_BACKEND: 'comfyui',
      IMAGE_GENERATION_URL: 'http://127.0.0.1:8188',
      IMAGE_GENERATION_MODEL: 'sdxl.safetensors',
      IMAGE_GENERATION_TIMEOUT_MS: '300000',
    }).imageGeneration;
    expect(comfy).toMatchObject({ backend: 'comfyui', model: 'sdxl.safetensors', timeoutMs: 300_000 });
  });
});
