import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeImageGeneratorConformance } from '../test-support/image-generator-conformance.js';
import {
  Automatic1111Server,
  ComfyUiServer,
  OpenAiImagesServer,
} from '../test-support/protocol-servers/image-servers.js';
import { createAutomatic1111ImageGenerator } from './automatic1111-image-generator.js';
import { type ComfyWorkflow, createComfyUiImageGenerator, fillWorkflow } from './comfyui-image-generator.js';
import { createOpenAiImageGenerator } from './openai-image-generator.js';

describeImageGeneratorConformance('OpenAI images API', async () => {
  const server = await new OpenAiImagesServer().listen();
  return {
    server,
    generator: createOpenAiImageGenerator({ url: server.origin, apiKey: 'sk-test', model: 'dall-e-3' }),
    promptSent: () => server.lastRequest('/images/generations').body.prompt,
  };
});

describeImageGeneratorConformance('Automatic1111', async () => {
  const server = await new Automatic1111Server().listen();
  return {
    server,
    generator: createAutomatic1111ImageGenerator({ url: `${server.origin}/` }),
    promptSent: () => server.lastRequest('/txt2img').body.prompt,
  };
});

describeImageGeneratorConformance('ComfyUI', async () => {
  const server = await new ComfyUiServer().listen();
  return {
    server,
    generator: createComfyUiImageGenerator({ url: server.origin, pollIntervalMs: 20 }),
    promptSent: () => server.lastRequest('/prompt').body.prompt['2'].inputs.text,
  };
});

describe('the OpenAI images wire', () => {
  let server: OpenAiImagesServer;
  beforeAll(async () => {
    server = await new OpenAiImagesServer().listen();
  });
  afterAll(() => server.close());

  it('posts the model, a supported square size and asks dall-e models for b64_json, with or without /v1 in the URL', async () => {
    for (const url of [server.origin, `${server.origin}/v1/`]) {
      await createOpenAiImageGenerator({ url, apiKey: 'sk-test', model: 'dall-e-3' }).generate({
        prompt: 'a fox',
        size: 512,
        signal: AbortSignal.timeout(5000),
      });
      const request = server.lastRequest('/v1/images/generations');
      expect(request.headers.authorization).toBe('Bearer sk-test');
      expect(request.body).toMatchObject({
        model: 'dall-e-3',
        prompt: 'a fox',
        n: 1,
        size: '512x512',
        response_format: 'b64_json',
      });
    }
  });

  it('does not send response_format to gpt-image models (they always answer base64 and refuse it)', async () => {
    await createOpenAiImageGenerator({ url: server.origin, apiKey: 'sk-test' }).generate({
      prompt: 'a fox',
      size: 512,
      signal: AbortSignal.timeout(5000),
    });
    const { body } = server.lastRequest('/v1/images/generations');
    expect(body.model).toBe('gpt-image-1');
    expect(body).not.toHaveProperty('response_format');
  });

  it('says the key was refused, by status, without the service’s words', async () => {
    const generator = createOpenAiImageGenerator({ url: server.origin, apiKey: 'sk-wrong' });
    await expect(
      generator.generate({ prompt: 'x', size: 512, signal: AbortSignal.timeout(5000) }),
    ).rejects.toMatchObject({
      code: 'image_generation_failed',
      details: { status: 401 },
      message: expect.not.stringContaining('Incorrect API key'),
    });
  });
});

describe('the Automatic1111 wire', () => {
  it('asks for a 512×512 picture with the negative prompt, and switches checkpoint only when a model is set', async () => {
    const server = await new Automatic1111Server().listen();
    try {
      await createAutomatic1111ImageGenerator({ url: server.origin, model: 'dreamshaper_8' }).generate({
        prompt: 'a fox',
        negativePrompt: 'text',
        size: 512,
        signal: AbortSignal.timeout(5000),
      });
      expect(server.lastRequest('/sdapi/v1/txt2img').body).toMatchObject({
        prompt: 'a fox',
        negative_prompt: 'text',
        width: 512,
        height: 512,
        override_settings: { sd_model_checkpoint: 'dreamshaper_8' },
      });
      server.script({ kind: 'http-error', status: 422, message: 'field required' });
      await expect(
        createAutomatic1111ImageGenerator({ url: server.origin }).generate({
          prompt: 'a fox',
          size: 512,
          signal: AbortSignal.timeout(5000),
        }),
      ).rejects.toMatchObject({ code: 'image_generation_failed', details: { status: 422 } });
      expect(server.lastRequest('/sdapi/v1/txt2img').body).not.toHaveProperty('override_settings');
    } finally {
      await server.close();
    }
  });
});

describe('the ComfyUI wire', () => {
  it('queues the built-in workflow with prompt, checkpoint, size and a numeric seed, polls, then fetches the file', async () => {
    const server = await new ComfyUiServer().listen();
    try {
      server.pendingPolls = 3;
      const bytes = await createComfyUiImageGenerator({
        url: server.origin,
        model: 'sdxl.safetensors',
        pollIntervalMs: 10,
      }).generate({ prompt: 'a fox', negativePrompt: 'text', size: 512, signal: AbortSignal.timeout(5000) });
      expect(bytes.length).toBeGreaterThan(0);
      const graph = server.lastRequest('/prompt').body.prompt as ComfyWorkflow;
      expect(graph['1']!.inputs.ckpt_name).toBe('sdxl.safetensors');
      expect(graph['2']!.inputs.text).toBe('a fox');
      expect(graph['3']!.inputs.text).toBe('text');
      expect(graph['4']!.inputs).toMatchObject({ width: 512, height: 512 });
      expect(typeof graph['5']!.inputs.seed).toBe('number');
      expect(server.requests.filter((r) => r.path.startsWith('/history/'))).toHaveLength(4);
      expect(server.lastRequest('/view').query.get('type')).toBe('output');
    } finally {
      await server.close();
    }
  });

  it('asks ComfyUI to interrupt a run it stops waiting for', async () => {
    const server = await new ComfyUiServer().listen();
    try {
      server.script({ kind: 'hang' });
      await expect(
        createComfyUiImageGenerator({ url: server.origin, pollIntervalMs: 10 }).generate({
          prompt: 'a fox',
          size: 512,
          signal: AbortSignal.timeout(200),
        }),
      ).rejects.toThrow();
      await expect.poll(() => server.requests.some((r) => r.path === '/interrupt')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('fills only whole placeholder values, so a prompt cannot change the graph', () => {
    const workflow: ComfyWorkflow = {
      '6': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}', note: 'keep {{prompt}} here' } },
      '3': { class_type: 'KSampler', inputs: { seed: '{{seed}}', steps: 30 } },
    };
    const filled = fillWorkflow(workflow, { prompt: '{{seed}}", "steps": 1', seed: 42 });
    expect(filled['6']!.inputs).toEqual({ text: '{{seed}}", "steps": 1', note: 'keep {{prompt}} here' });
    expect(filled['3']!.inputs).toEqual({ seed: 42, steps: 30 });
  });
});
