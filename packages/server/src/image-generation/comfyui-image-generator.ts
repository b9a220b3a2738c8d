import { randomInt, randomUUID } from 'node:crypto';
import {
  assertImage,
  type ImageGenerator,
  type ImageRequest,
  type ImageServiceFetch,
  imageGenerationErrors,
  readJson,
  trimSlash,
} from './image-generator.js';

/** A ComfyUI workflow in API format: node id → `{ class_type, inputs }`. */
export type ComfyWorkflow = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

/**
 * The text-to-image graph used when no workflow file is configured: checkpoint, positive and
 * negative prompts, an empty latent, KSampler, VAE decode, save. Placeholders (`{{prompt}}` …)
 * are filled per request.
 */
export const DEFAULT_COMFY_WORKFLOW: ComfyWorkflow = {
  '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: '{{model}}' } },
  '2': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}', clip: ['1', 1] } },
  '3': { class_type: 'CLIPTextEncode', inputs: { text: '{{negative_prompt}}', clip: ['1', 1] } },
  '4': {
    class_type: 'EmptyLatentImage',
    inputs: { width: '{{width}}', height: '{{height}}', batch_size: 1 },
  },
  '5': {
    class_type: 'KSampler',
    inputs: {
      seed: '{{seed}}',
      steps: 25,
      cfg: 7,
      sampler_name: 'euler',
      scheduler: 'normal',
      denoise: 1,
      model: ['1', 0],
      positive: ['2', 0],
      negative: ['3', 0],
      latent_image: ['4', 0],
    },
  },
  '6': { class_type: 'VAEDecode', inputs: { samples: ['5', 0], vae: ['1', 2] } },
  '7': { class_type: 'SaveImage', inputs: { filename_prefix: 'lumina-avatar', images: ['6', 0] } },
};

/** The checkpoint the built-in workflow loads when IMAGE_GENERATION_MODEL is not set. */
export const DEFAULT_COMFY_CHECKPOINT = 'v1-5-pruned-emaonly.safetensors';

interface HistoryEntry {
  outputs?: Record<string, { images?: { filename: string; subfolder?: string; type?: string }[] }>;
  status?: { status_str?: string; completed?: boolean; messages?: unknown[] };
}

/**
 * ComfyUI: queue the workflow (`POST {url}/prompt`), poll `GET /history/{prompt_id}` until it
 * has an output image, then fetch it from `GET /view?filename=…`. Cancelling (timeout or the
 * caller) stops polling and asks ComfyUI to interrupt the run.
 */
export function createComfyUiImageGenerator(options: {
  url: string;
  model?: string | undefined;
  workflow?: ComfyWorkflow | undefined;
  /** How often the history is asked; tests shorten it. */
  pollIntervalMs?: number;
  fetch?: ImageServiceFetch | undefined;
}): ImageGenerator {
  const baseUrl = trimSlash(options.url);
  const fetch = options.fetch ?? globalThis.fetch;
  const workflow = options.workflow ?? DEFAULT_COMFY_WORKFLOW;
  const pollMs = options.pollIntervalMs ?? 500;
  return {
    backend: 'comfyui',
    baseUrl,
    async generate(request: ImageRequest): Promise<Buffer> {
      const graph = fillWorkflow(workflow, {
        prompt: request.prompt,
        negative_prompt: request.negativePrompt ?? '',
        model: options.model ?? DEFAULT_COMFY_CHECKPOINT,
        width: request.size,
        height: request.size,
        seed: randomInt(0, 2 ** 47),
      });
      const queued = (await readJson(
        'comfyui',
        await fetch(`${baseUrl}/prompt`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: graph, client_id: randomUUID() }),
          signal: request.signal,
        }),
        'POST /prompt',
      )) as { prompt_id?: unknown };
      if (typeof queued.prompt_id !== 'string')
        throw imageGenerationErrors.failed('comfyui', 'POST /prompt answered without a prompt_id');
      const promptId = queued.prompt_id;
      try {
        const image = await waitForImage(fetch, baseUrl, promptId, pollMs, request.signal);
        const params = new URLSearchParams({
          filename: image.filename,
          subfolder: image.subfolder ?? '',
          type: image.type ?? 'output',
        });
        const response = await fetch(`${baseUrl}/view?${params}`, { signal: request.signal });
        if (!response.ok)
          throw imageGenerationErrors.failed('comfyui', `GET /view answered ${response.status}`, {
            status: response.status,
          });
        return assertImage('comfyui', Buffer.from(await response.arrayBuffer()));
      } catch (error) {
        // Don't leave the GPU busy with a picture nobody will see.
        if (request.signal.aborted)
          void fetch(`${baseUrl}/interrupt`, { method: 'POST', signal: AbortSignal.timeout(2000) }).catch(
            () => {},
          );
        throw error;
      }
    },
  };
}

async function waitForImage(
  fetch: ImageServiceFetch,
  baseUrl: string,
  promptId: string,
  pollMs: number,
  signal: AbortSignal,
) {
  for (;;) {
    const history = (await readJson(
      'comfyui',
      await fetch(`${baseUrl}/history/${encodeURIComponent(promptId)}`, { signal }),
      'GET /history',
    )) as Record<string, HistoryEntry>;
    const entry = history[promptId];
    // ComfyUI's own messages about the failure stay out: a user reads this error.
    if (entry?.status?.status_str === 'error')
      throw imageGenerationErrors.failed('comfyui', 'the workflow failed');
    const images = Object.values(entry?.outputs ?? {}).flatMap((output) => output.images ?? []);
    if (images[0]) return images[0];
    if (entry?.status?.completed)
      throw imageGenerationErrors.failed(
        'comfyui',
        'the workflow finished without an image (is there a SaveImage node?)',
      );
    await sleep(pollMs, signal);
  }
}

/**
 * Replaces placeholder strings anywhere in the workflow: `"{{prompt}}"` becomes the prompt,
 * `"{{seed}}"` a number, and so on. Whole values only, so a prompt can never change the graph.
 * @example fillWorkflow({ '2': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}' } } }, { prompt: 'a fox' })
 */
export function fillWorkflow(
  workflow: ComfyWorkflow,
  values: Record<string, string | number>,
): ComfyWorkflow {
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const name = /^\{\{\s*([a-z_]+)\s*\}\}$/.exec(value)?.[1];
      return name !== undefined && name in values ? values[name] : value;
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner)]));
    return value;
  };
  return fill(workflow) as ComfyWorkflow;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
