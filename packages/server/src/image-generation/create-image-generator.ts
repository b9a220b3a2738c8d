import fs from 'node:fs';
import { ConfigError, type ImageGenerationConfig } from '../config.js';
import { createAutomatic1111ImageGenerator } from './automatic1111-image-generator.js';
import { type ComfyWorkflow, createComfyUiImageGenerator } from './comfyui-image-generator.js';
import type { ImageGenerator, ImageServiceFetch } from './image-generator.js';
import { createOpenAiImageGenerator } from './openai-image-generator.js';

/**
 * The configured image service, or undefined when none is. A ComfyUI workflow file is read
 * here, at start-up, so a missing or broken file stops the server with one clear line.
 */
export function createImageGenerator(
  config: ImageGenerationConfig | undefined,
  /** The guarded outbound client, with the operator's trust (the operator set the URL). */
  fetch?: ImageServiceFetch,
): ImageGenerator | undefined {
  if (!config) return undefined;
  switch (config.backend) {
    case 'openai':
      return createOpenAiImageGenerator({ ...config, fetch });
    case 'automatic1111':
      return createAutomatic1111ImageGenerator({ ...config, fetch });
    case 'comfyui':
      return createComfyUiImageGenerator({
        url: config.url,
        model: config.model,
        fetch,
        workflow: config.comfyWorkflow ? readWorkflow(config.comfyWorkflow) : undefined,
      });
  }
}

function readWorkflow(file: string): ComfyWorkflow {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `invalid configuration: IMAGE_GENERATION_COMFYUI_WORKFLOW could not be read as JSON (${file}): ${(error as Error).message}`,
    );
  }
  const nodes = typeof json === 'object' && json !== null && !Array.isArray(json) ? Object.values(json) : [];
  const apiFormat =
    nodes.length > 0 &&
    nodes.every(
      (node) => typeof node === 'object' && node !== null && 'class_type' in node && 'inputs' in node,
    );
  if (!apiFormat) {
    throw new ConfigError(
      `invalid configuration: IMAGE_GENERATION_COMFYUI_WORKFLOW (${file}) is not a ComfyUI workflow in API format (in ComfyUI: Workflow → Export (API))`,
    );
  }
  return json as ComfyWorkflow;
}
