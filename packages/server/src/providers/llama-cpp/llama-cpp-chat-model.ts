import type { GenerationSettingKey } from '../../domain/generation-settings.js';
import type {
  ChatModel,
  ChatRequest,
  ChatStreamPart,
  ModelInfo,
  ObjectRequest,
  ObjectResult,
  Usage,
} from '../types.js';
import { ProviderError } from '../types.js';
import { toProviderError } from './llama-cpp-errors.js';
import { type GenerationResult, generate, type LoadedLlamaModel } from './llama-cpp-generation.js';
import type { LoadedModels } from './loaded-models.js';
import type { Llama, NodeLlamaCppModule } from './node-llama-cpp-api.js';
import { createPartQueue } from './part-queue.js';

/** The embedded engine takes every generation setting (llama-cpp-generation.ts maps them). */
export const LLAMA_CPP_GENERATION_SETTINGS: readonly GenerationSettingKey[] = [
  'temperature',
  'topP',
  'topK',
  'minP',
  'repetitionPenalty',
  'frequencyPenalty',
  'presencePenalty',
  'maxTokens',
  'stop',
  'seed',
];

export interface LlamaCppChatModelDeps {
  info: ModelInfo;
  /** The GGUF file name inside the models directory. */
  fileName: string;
  models: LoadedModels<LoadedLlamaModel>;
  engine: () => Promise<NodeLlamaCppModule>;
  llama: () => Promise<Llama>;
}

/**
 * One GGUF model of the embedded engine as a ChatModel. Text streams as `text-delta` parts as
 * the engine produces it; aborting the request (or leaving the `for await` early) stops the
 * generation between two tokens.
 *
 * @example
 * for await (const part of model.stream({ messages, maxOutputTokens: 64 })) {
 *   if (part.type === 'text-delta') process.stdout.write(part.delta);
 * }
 */
// Context assembly counts the same history every turn; the tokenizer is exact but not free.
// Chat model objects are made per request, so the counts live here, keyed by file and text.
const counted = new Map<string, number>();

export function createLlamaCppChatModel(deps: LlamaCppChatModelDeps): ChatModel {
  return {
    info: deps.info,

    async countTokens(text: string): Promise<number> {
      if (!text) return 0;
      const key = `${deps.fileName}\u0000${text}`;
      const cached = counted.get(key);
      if (cached !== undefined) return cached;
      const count = await deps.models.use(
        deps.fileName,
        undefined,
        async (loaded) => loaded.model.tokenize(text).length,
      );
      if (counted.size >= 5000) counted.delete(counted.keys().next().value!);
      counted.set(key, count);
      return count;
    },

    async *stream(request: ChatRequest): AsyncIterable<ChatStreamPart> {
      const controller = new AbortController();
      const forwardAbort = () => controller.abort(request.signal?.reason);
      if (request.signal?.aborted) forwardAbort();
      else request.signal?.addEventListener('abort', forwardAbort, { once: true });

      const parts = createPartQueue<ChatStreamPart>();
      const running = (async () => {
        try {
          if (request.tools?.length) {
            throw new ProviderError(
              'provider_bad_request',
              'The embedded engine does not support tools',
              false,
            );
          }
          const engine = await deps.engine();
          const result = await deps.models.use(deps.fileName, controller.signal, (loaded) =>
            generate(engine, loaded, {
              messages: request.messages,
              maxTokens: request.maxOutputTokens,
              temperature: request.temperature,
              topP: request.topP,
              topK: request.topK,
              minP: request.minP,
              seed: request.seed,
              repetitionPenalty: request.repetitionPenalty,
              frequencyPenalty: request.frequencyPenalty,
              presencePenalty: request.presencePenalty,
              stop: request.stop,
              signal: controller.signal,
              onText: (delta) => parts.push({ type: 'text-delta', delta }),
            }),
          );
          parts.push({ type: 'usage', usage: toUsage(result) });
          parts.push({
            type: 'finish',
            finishReason: controller.signal.aborted ? 'cancelled' : result.finishReason,
          });
        } catch (error) {
          if (controller.signal.aborted) {
            parts.push({ type: 'finish', finishReason: 'cancelled' });
          } else {
            const { code, message, retryable } = toProviderError(error);
            parts.push({ type: 'error', code, message, retryable });
            parts.push({ type: 'finish', finishReason: 'error' });
          }
        } finally {
          parts.close();
        }
      })();

      try {
        yield* parts;
      } finally {
        // Also reached when the consumer stops early: stop the engine and free the lock.
        controller.abort();
        request.signal?.removeEventListener('abort', forwardAbort);
        await running;
      }
    },

    async generateObject<T = unknown>(request: ObjectRequest): Promise<ObjectResult<T>> {
      const engine = await deps.engine().catch((error) => {
        throw toProviderError(error);
      });
      const llama = await deps.llama();
      const grammar = await llama.createGrammarForJsonSchema(request.schema).catch((error: Error) => {
        throw new ProviderError(
          'provider_bad_request',
          `The embedded engine cannot constrain output to this JSON Schema: ${error.message}`,
          false,
        );
      });
      const messages = [
        {
          role: 'system' as const,
          content: `Answer only with JSON that matches this JSON Schema: ${JSON.stringify(request.schema)}`,
        },
        ...request.messages,
      ];
      let result: GenerationResult;
      try {
        result = await deps.models.use(deps.fileName, request.signal, (loaded) =>
          generate(engine, loaded, {
            messages,
            grammar,
            temperature: 0,
            signal: request.signal ?? new AbortController().signal,
          }),
        );
      } catch (error) {
        if (request.signal?.aborted) throw new ProviderError('cancelled', 'The request was cancelled', false);
        throw toProviderError(error);
      }
      if (request.signal?.aborted) throw new ProviderError('cancelled', 'The request was cancelled', false);
      try {
        return { object: grammar.parse(result.text) as T, usage: toUsage(result) };
      } catch (error) {
        throw new ProviderError(
          'model_bad_output',
          `The model's output does not match the schema (${result.finishReason}): ${(error as Error).message}`,
          true,
        );
      }
    },
  };
}

// The counts come from the model's own tokenizer and the engine's token callbacks: exact.
const toUsage = (result: GenerationResult): Usage => ({
  inputTokens: result.inputTokens,
  outputTokens: result.outputTokens,
  reported: true,
});
