import {
  assertImage,
  decodeBase64Image,
  type ImageGenerator,
  type ImageRequest,
  type ImageServiceFetch,
  imageGenerationErrors,
  readJson,
  trimSlash,
} from './image-generator.js';

/**
 * Automatic1111 / Forge (`--api`): `POST {url}/sdapi/v1/txt2img`, answered with base64 PNGs in
 * `images[]`. A model name switches the checkpoint for this request only (`override_settings`).
 */
export function createAutomatic1111ImageGenerator(options: {
  url: string;
  model?: string | undefined;
  apiKey?: string | undefined;
  fetch?: ImageServiceFetch | undefined;
}): ImageGenerator {
  const baseUrl = trimSlash(options.url);
  const fetch = options.fetch ?? globalThis.fetch;
  return {
    backend: 'automatic1111',
    baseUrl,
    async generate(request: ImageRequest): Promise<Buffer> {
      const response = await fetch(`${baseUrl}/sdapi/v1/txt2img`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          // `--api-auth user:password` servers take HTTP basic auth; put `user:password` in the key.
          ...(options.apiKey
            ? { authorization: `Basic ${Buffer.from(options.apiKey).toString('base64')}` }
            : {}),
        },
        body: JSON.stringify({
          prompt: request.prompt,
          negative_prompt: request.negativePrompt ?? '',
          width: request.size,
          height: request.size,
          steps: 25,
          cfg_scale: 7,
          batch_size: 1,
          n_iter: 1,
          ...(options.model ? { override_settings: { sd_model_checkpoint: options.model } } : {}),
        }),
        signal: request.signal,
      });
      const body = (await readJson('automatic1111', response, 'txt2img')) as { images?: unknown };
      if (!Array.isArray(body.images) || body.images.length === 0)
        throw imageGenerationErrors.failed('automatic1111', 'the answer held no image');
      return assertImage('automatic1111', decodeBase64Image('automatic1111', body.images[0]));
    },
  };
}
