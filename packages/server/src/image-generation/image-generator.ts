import { AppError } from '../errors.js';

/** The image services Lumina can draw avatar pictures with. */
export type ImageBackend = 'openai' | 'automatic1111' | 'comfyui';

export interface ImageRequest {
  prompt: string;
  /** What the picture should not show (Automatic1111 and ComfyUI; the OpenAI API has none). */
  negativePrompt?: string;
  /** Square side in pixels; services that only know fixed sizes get the nearest. */
  size: number;
  /** Cancels the work: the request, and for ComfyUI the polling. */
  signal: AbortSignal;
}

/**
 * One image service behind one small interface; every implementation runs the shared
 * conformance suite (test-support/image-generator-conformance.ts) against a local server that
 * speaks its real wire format.
 */
/** The fetch every generator sends its requests with: the guarded outbound client in the app. */
export type ImageServiceFetch = typeof globalThis.fetch;

export interface ImageGenerator {
  readonly backend: ImageBackend;
  /** Where requests go, for the local-only check. */
  readonly baseUrl: string;
  /** The encoded image (PNG, JPEG or WebP, as the service sends it). */
  generate(request: ImageRequest): Promise<Buffer>;
}

/** Everything a generator throws, with stable codes. */
export const imageGenerationErrors = {
  notConfigured: () =>
    new AppError(
      409,
      'image_generation_not_configured',
      'Picture generation is not set up on this server. An administrator can connect an image service with IMAGE_GENERATION_BACKEND and IMAGE_GENERATION_URL.',
    ),
  /** @example throw imageGenerationErrors.failed('automatic1111', 'answered 500: CUDA out of memory', { status: 500 }) */
  failed: (backend: ImageBackend, reason: string, details?: Record<string, unknown>) =>
    new AppError(502, 'image_generation_failed', `The image service (${backend}) failed: ${reason}`, {
      backend,
      ...details,
    }),
  timeout: (backend: ImageBackend, timeoutMs: number) =>
    new AppError(
      504,
      'image_generation_timeout',
      `The image service (${backend}) did not finish within ${Math.round(timeoutMs / 1000)} seconds`,
      { backend, timeoutMs },
    ),
  cancelled: () => new AppError(499, 'cancelled', 'The picture generation was cancelled'),
};

/** `http://host:7860/` → `http://host:7860`, so paths can be appended. */
export const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * Reads a response that should be JSON, turning HTTP errors and garbage into
 * image_generation_failed with the status only: the service's own words stay in its logs, never
 * in an error a user reads (docs/security.md, "Outbound requests").
 */
export async function readJson(backend: ImageBackend, response: Response, what: string): Promise<unknown> {
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw imageGenerationErrors.failed(backend, `${what} answered ${response.status}`, {
      status: response.status,
    });
  }
  try {
    return JSON.parse(await response.text());
  } catch (error) {
    if (error instanceof AppError) throw error; // the guarded client's size limit
    throw imageGenerationErrors.failed(backend, `${what} did not answer with JSON`);
  }
}

/** Decodes base64 image data (with or without a `data:` prefix); refuses what is not base64. */
export function decodeBase64Image(backend: ImageBackend, value: unknown): Buffer {
  const text = typeof value === 'string' ? value.replace(/^data:[^,]*,/, '').trim() : '';
  if (!text || !/^[A-Za-z0-9+/=\s]+$/.test(text))
    throw imageGenerationErrors.failed(backend, 'the answer held no base64 image');
  return Buffer.from(text, 'base64');
}

/**
 * Checks that bytes start like a PNG, JPEG or WebP, so every generator refuses a garbage answer
 * the same way (the avatar image pipeline decodes it fully afterwards).
 */
export function assertImage(backend: ImageBackend, bytes: Buffer): Buffer {
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const webp = bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP';
  if (!png && !jpeg && !webp)
    throw imageGenerationErrors.failed(backend, 'the answer was not a PNG, JPEG or WebP image');
  return bytes;
}
