import { APICallError, generateImage } from 'ai';
import { findOutboundError } from '../net/outbound-errors.js';
import {
  assertImage,
  type ImageGenerator,
  type ImageRequest,
  type ImageServiceFetch,
  imageGenerationErrors,
  trimSlash,
} from './image-generator.js';

/** OpenAI's own sizes; other OpenAI-compatible servers (LocalAI, …) accept them too. */
const SIZES = [256, 512, 1024] as const;

/**
 * The OpenAI images API and compatible servers: `POST {base}/v1/images/generations`, answered
 * with `b64_json`. Spoken through the AI SDK's OpenAI provider, which also knows which models
 * (gpt-image-*) must not be asked for a response format.
 */
export function createOpenAiImageGenerator(options: {
  url: string;
  apiKey?: string | undefined;
  model?: string | undefined;
  fetch?: ImageServiceFetch | undefined;
}): ImageGenerator {
  const baseUrl = trimSlash(options.url);
  // The OpenAI package is imported on the first picture, not at start-up (docs/performance.md).
  const imageModel = async () => {
    const { createOpenAI } = await import('@ai-sdk/openai');
    const provider = createOpenAI({
      baseURL: baseUrl.endsWith('/v1') ? baseUrl : `${baseUrl}/v1`,
      // Local servers often need no key; the SDK still wants one.
      apiKey: options.apiKey ?? 'not-needed',
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return provider.image(options.model ?? 'gpt-image-1');
  };
  return {
    backend: 'openai',
    baseUrl,
    async generate(request: ImageRequest): Promise<Buffer> {
      const side = SIZES.find((size) => size >= request.size) ?? 1024;
      let bytes: Buffer;
      try {
        const { image } = await generateImage({
          model: await imageModel(),
          prompt: request.prompt,
          size: `${side}x${side}`,
          n: 1,
          maxRetries: 0,
          abortSignal: request.signal,
        });
        bytes = Buffer.from(image.uint8Array);
      } catch (error) {
        if (request.signal.aborted) throw error;
        const outbound = findOutboundError(error);
        if (outbound) throw outbound;
        // Status only: the service's words (and the SDK's quotes of them) stay out of errors.
        if (APICallError.isInstance(error) && error.statusCode !== undefined) {
          throw imageGenerationErrors.failed('openai', `images/generations answered ${error.statusCode}`, {
            status: error.statusCode,
          });
        }
        throw imageGenerationErrors.failed('openai', 'images/generations could not be reached or understood');
      }
      return assertImage('openai', bytes);
    },
  };
}
