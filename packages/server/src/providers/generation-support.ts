import type { GenerationSettingKey, GenerationSettings } from '../domain/generation-settings.js';
import { AI_SDK_GENERATION_SETTINGS } from './adapters/cloud-providers.js';
import { OLLAMA_GENERATION_SETTINGS } from './adapters/ollama-chat-model.js';
import { openAiGenerationSettings } from './adapters/openai-chat-model.js';
import { LLAMA_CPP_GENERATION_SETTINGS } from './llama-cpp/llama-cpp-chat-model.js';
import type { ChatRequest, ProviderKind } from './types.js';

/**
 * The generation settings a model of this provider kind takes, as its adapter declares them
 * (shown on `GET /api/models` so editors offer only these; the adapter sends only these).
 * @example generationSettingsFor('anthropic', 'claude-sonnet-4-5') // ['temperature', 'topP', 'topK', 'maxTokens', 'stop']
 */
export function generationSettingsFor(
  kind: ProviderKind,
  modelName: string,
): readonly GenerationSettingKey[] {
  switch (kind) {
    case 'openai':
    case 'openai-compatible':
      return openAiGenerationSettings(kind, modelName);
    case 'ollama':
      return OLLAMA_GENERATION_SETTINGS;
    case 'llama-cpp':
      return LLAMA_CPP_GENERATION_SETTINGS;
    default:
      return AI_SDK_GENERATION_SETTINGS[kind];
  }
}

/**
 * Effective settings as ChatRequest fields: `maxTokens` caps `maxOutputTokens` (the reply budget
 * the context left), the rest keep their names. Settings left out stay out.
 * @example chatRequestSettings({ temperature: 0.7, maxTokens: 300 }, 1024) // { temperature: 0.7, maxOutputTokens: 300 }
 */
export function chatRequestSettings(
  settings: GenerationSettings,
  maxOutputTokens: number | undefined,
): Omit<ChatRequest, 'messages' | 'tools' | 'signal'> {
  const { maxTokens, ...sampling } = settings;
  const cap =
    maxTokens === undefined
      ? maxOutputTokens
      : Math.min(maxTokens, maxOutputTokens ?? Number.POSITIVE_INFINITY);
  return cap ? { ...sampling, maxOutputTokens: cap } : sampling;
}
