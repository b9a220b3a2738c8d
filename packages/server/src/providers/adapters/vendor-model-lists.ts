import type { Capabilities, ModelInfo } from '../types.js';
import { requestJson } from './http-json.js';
import { describeModel } from './model-catalog.js';

export type CloudProviderKind = 'openai' | 'anthropic' | 'google' | 'groq' | 'mistral' | 'openai-compatible';

export interface ModelListRequest {
  providerId: string;
  kind: CloudProviderKind;
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
  timeoutMs: number;
}

/** An OpenAI-style `/models` entry with the extra fields Groq, Mistral, OpenRouter, vLLM add. */
interface OpenAiStyleModel {
  id: string;
  context_window?: number; // Groq
  max_context_length?: number; // Mistral
  context_length?: number; // OpenRouter, Together
  max_model_len?: number; // vLLM
  capabilities?: { completion_chat?: boolean; function_calling?: boolean; vision?: boolean }; // Mistral
  supported_parameters?: string[]; // OpenRouter
  architecture?: { input_modalities?: string[] }; // OpenRouter
}

interface GeminiModel {
  name: string;
  inputTokenLimit?: number;
  supportedGenerationMethods?: string[];
}

const CLOUD_DEFAULTS: Partial<Capabilities> = { tools: true, json: true };
// Gemini pages its list; a handful of pages covers every public model.
const MAX_GEMINI_PAGES = 5;

/**
 * Lists a vendor's models through its own models endpoint (OpenAI-style `GET /models`,
 * Anthropic `GET /v1/models`, Gemini `GET /v1beta/models`), with the context window and
 * capabilities the vendor reports, completed from the built-in table.
 * @example await listVendorModels({ providerId: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey, timeoutMs: 10_000 })
 */
export async function listVendorModels(request: ModelListRequest): Promise<ModelInfo[]> {
  if (request.kind === 'anthropic') return listAnthropic(request);
  if (request.kind === 'google') return listGemini(request);
  return listOpenAiStyle(request);
}

async function listOpenAiStyle(request: ModelListRequest): Promise<ModelInfo[]> {
  const headers: Record<string, string> = request.apiKey ? { authorization: `Bearer ${request.apiKey}` } : {};
  const body = await requestJson<{ data?: OpenAiStyleModel[] }>(`${request.baseUrl}/models`, {
    ...http(request),
    headers,
  });
  return (body.data ?? []).map((model) =>
    describeModel({
      providerId: request.providerId,
      name: model.id,
      local: false,
      contextWindow:
        model.context_window ?? model.max_context_length ?? model.context_length ?? model.max_model_len,
      capabilities: openAiStyleCapabilities(model),
      defaults: request.kind === 'openai-compatible' ? {} : CLOUD_DEFAULTS,
    }),
  );
}

function openAiStyleCapabilities(model: OpenAiStyleModel): Partial<Capabilities> {
  const found: Partial<Capabilities> = {};
  if (model.capabilities) {
    if (model.capabilities.function_calling !== undefined) found.tools = model.capabilities.function_calling;
    if (model.capabilities.vision !== undefined) found.vision = model.capabilities.vision;
  }
  if (model.supported_parameters) {
    found.tools = model.supported_parameters.includes('tools');
    found.json = model.supported_parameters.includes('response_format');
  }
  if (model.architecture?.input_modalities)
    found.vision = model.architecture.input_modalities.includes('image');
  return found;
}

async function listAnthropic(request: ModelListRequest): Promise<ModelInfo[]> {
  const headers = { 'x-api-key': request.apiKey ?? '', 'anthropic-version': '2023-06-01' };
  const body = await requestJson<{ data?: { id: string }[] }>(`${request.baseUrl}/models?limit=1000`, {
    ...http(request),
    headers,
  });
  return (body.data ?? []).map((model) =>
    describeModel({ providerId: request.providerId, name: model.id, local: false, defaults: CLOUD_DEFAULTS }),
  );
}

async function listGemini(request: ModelListRequest): Promise<ModelInfo[]> {
  const headers = { 'x-goog-api-key': request.apiKey ?? '' };
  const models: GeminiModel[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_GEMINI_PAGES; page++) {
    const query = `pageSize=1000${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
    const body = await requestJson<{ models?: GeminiModel[]; nextPageToken?: string }>(
      `${request.baseUrl}/models?${query}`,
      { ...http(request), headers },
    );
    models.push(...(body.models ?? []));
    pageToken = body.nextPageToken;
    if (!pageToken) break;
  }
  return models.map((model) => {
    const methods = model.supportedGenerationMethods ?? [];
    const embeds = methods.includes('embedContent') || methods.includes('batchEmbedContents');
    return describeModel({
      providerId: request.providerId,
      name: model.name.replace(/^models\//, ''),
      local: false,
      contextWindow: model.inputTokenLimit,
      capabilities: embeds ? { embeddings: true, tools: false, json: false } : {},
      defaults: CLOUD_DEFAULTS,
    });
  });
}

function http(request: ModelListRequest) {
  return { signal: request.signal, timeoutMs: request.timeoutMs, fetch: request.fetch };
}
