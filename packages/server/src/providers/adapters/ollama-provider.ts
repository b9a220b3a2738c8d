import type { Capabilities, ModelInfo, ModelProvider } from '../types.js';
import { ProviderError } from '../types.js';
import { openResponse, requestJson } from './http-json.js';
import { describeModel } from './model-catalog.js';
import { readNdjson } from './ndjson-reader.js';
import { OllamaChatModel } from './ollama-chat-model.js';
import { OllamaEmbeddingModel } from './ollama-embedding-model.js';
import { toProviderError } from './provider-errors.js';
import { resolveTimeouts, type StreamTimeouts } from './stream-timeouts.js';

export interface OllamaProviderOptions {
  id?: string;
  /** Ollama's root, without `/api` (default `http://127.0.0.1:11434`). */
  baseUrl?: string;
  keepAlive?: string | number;
  timeouts?: Partial<StreamTimeouts>;
  fetch?: typeof globalThis.fetch;
}

export interface PullProgress {
  status: string;
  /** Bytes of the current layer; absent for steps without a download. */
  completed?: number;
  total?: number;
}

export interface OllamaProvider extends ModelProvider {
  /**
   * Downloads a model, reporting each progress line; ends after `success`, throws a
   * ProviderError (`model_not_found` for a name the registry does not know).
   */
  pullModel(
    name: string,
    signal?: AbortSignal,
    onProgress?: (progress: PullProgress) => void,
  ): AsyncIterable<PullProgress>;
}

interface OllamaShow {
  model_info?: Record<string, unknown>;
  capabilities?: string[];
}

// `/api/show` reads the model file from disk: a few at a time keeps a big library quick.
const SHOW_CONCURRENCY = 4;

/**
 * A ModelProvider for a local (or LAN) Ollama, on its native API.
 * @example
 * const ollama = createOllamaProvider({ baseUrl: config.OLLAMA_URL, keepAlive: '10m' });
 * for await (const step of ollama.pullModel('llama3.2')) console.log(step.status, step.completed, step.total);
 */
export function createOllamaProvider(options: OllamaProviderOptions = {}): OllamaProvider {
  const id = options.id ?? 'ollama';
  const baseUrl = (options.baseUrl ?? 'http://127.0.0.1:11434').replace(/\/+$/, '');
  const timeouts = resolveTimeouts(options.timeouts);
  const fetch = options.fetch ?? globalThis.fetch;
  const http = (signal?: AbortSignal) => ({ signal, timeoutMs: timeouts.connectTimeoutMs, fetch });
  const info = (name: string): ModelInfo => describeModel({ providerId: id, name, local: true });

  const describe = async (name: string, signal?: AbortSignal): Promise<ModelInfo> => {
    try {
      const show = await requestJson<OllamaShow>(`${baseUrl}/api/show`, {
        ...http(signal),
        method: 'POST',
        body: { model: name },
      });
      return describeModel({ providerId: id, name, local: true, ...factsFromShow(show) });
    } catch (error) {
      if (error instanceof ProviderError && error.code === 'cancelled') throw error;
      return info(name); // older Ollama or a broken model file: list it with what we know
    }
  };

  const listModels = async (signal?: AbortSignal): Promise<ModelInfo[]> => {
    const tags = await requestJson<{ models?: { name: string }[] }>(`${baseUrl}/api/tags`, http(signal));
    const names = (tags.models ?? []).map((model) => model.name);
    const described: ModelInfo[] = [];
    for (let start = 0; start < names.length; start += SHOW_CONCURRENCY) {
      const batch = names.slice(start, start + SHOW_CONCURRENCY);
      described.push(...(await Promise.all(batch.map((name) => describe(name, signal)))));
    }
    return described;
  };

  return {
    id,
    kind: 'ollama',
    local: true,
    listModels,
    chatModel: (name) =>
      new OllamaChatModel({ info: info(name), baseUrl, keepAlive: options.keepAlive, timeouts, fetch }),
    embeddingModel: (name) =>
      new OllamaEmbeddingModel({
        info: info(name),
        baseUrl,
        keepAlive: options.keepAlive,
        timeoutMs: timeouts.connectTimeoutMs + timeouts.firstTokenTimeoutMs,
        fetch,
      }),
    probe: async (signal) => {
      await requestJson(`${baseUrl}/api/tags`, http(signal));
    },
    pullModel: (name, signal, onProgress) => pull({ baseUrl, name, signal, onProgress, timeouts, fetch }),
  };
}

function factsFromShow(show: OllamaShow): { contextWindow?: number; capabilities?: Partial<Capabilities> } {
  const contextKey = Object.keys(show.model_info ?? {}).find((key) => key.endsWith('.context_length'));
  const contextWindow = contextKey ? Number(show.model_info?.[contextKey]) : undefined;
  const listed = show.capabilities;
  const capabilities = listed && {
    tools: listed.includes('tools'),
    vision: listed.includes('vision'),
    // `format` works for every generating model.
    json: listed.includes('completion'),
    embeddings: listed.includes('embedding'),
  };
  return { contextWindow: Number.isFinite(contextWindow) ? contextWindow : undefined, capabilities };
}

async function* pull(args: {
  baseUrl: string;
  name: string;
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
  timeouts: StreamTimeouts;
  fetch: typeof globalThis.fetch;
}): AsyncGenerator<PullProgress> {
  // A download can take an hour, but a stalled one must not: abort after idleTimeoutMs of silence.
  const stalled = new AbortController();
  const signal = args.signal ? AbortSignal.any([args.signal, stalled.signal]) : stalled.signal;
  let timer = setTimeout(() => stalled.abort(), args.timeouts.idleTimeoutMs);
  try {
    const response = await openResponse(`${args.baseUrl}/api/pull`, {
      method: 'POST',
      body: { model: args.name, stream: true },
      signal,
      timeoutMs: args.timeouts.connectTimeoutMs,
      fetch: args.fetch,
    });
    for await (const line of readNdjson(response.body!)) {
      clearTimeout(timer);
      timer = setTimeout(() => stalled.abort(), args.timeouts.idleTimeoutMs);
      if (typeof line.error === 'string') throw pullError(args.name, line.error);
      const progress: PullProgress = { status: pullStatus(line.status) };
      if (typeof line.completed === 'number') progress.completed = line.completed;
      if (typeof line.total === 'number') progress.total = line.total;
      args.onProgress?.(progress);
      yield progress;
    }
  } catch (error) {
    if (stalled.signal.aborted && !args.signal?.aborted) {
      throw new ProviderError('provider_timeout', `the pull of ${args.name} stalled`, true);
    }
    if (args.signal?.aborted) throw new ProviderError('cancelled', 'the pull was cancelled', false);
    throw toProviderError(error);
  } finally {
    clearTimeout(timer);
  }
}

function pullError(name: string, message: string): ProviderError {
  // Ollama's text picks the code; the message is ours (it could be any service's answer).
  if (/file does not exist|not found|manifest unknown/i.test(message)) {
    return new ProviderError('model_not_found', `no model ${name} in the registry`, false);
  }
  return new ProviderError('provider_unavailable', `pulling ${name} failed`, true);
}

/** Ollama's pull steps; any other text is reported as `downloading`, never passed through. */
const PULL_STEPS = new Set([
  'pulling manifest',
  'verifying sha256 digest',
  'writing manifest',
  'removing any unused layers',
  'removing unused layers',
  'success',
]);

function pullStatus(status: unknown): string {
  const text = typeof status === 'string' ? status.trim().toLowerCase() : '';
  if (PULL_STEPS.has(text)) return text;
  const layer = /^(pulling|downloading) (?:sha256:)?([0-9a-f]{12})[0-9a-f]*$/.exec(text);
  return layer ? `pulling ${layer[2]}` : 'downloading';
}
