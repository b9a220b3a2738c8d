import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import {
  type FinishReason as AiFinishReason,
  generateText,
  jsonSchema,
  type LanguageModel,
  NoObjectGeneratedError,
  NoOutputGeneratedError,
  Output,
} from 'ai';
import {
  convertToLanguageModelPrompt,
  prepareCallSettings,
  prepareToolsAndToolChoice,
  standardizePrompt,
} from 'ai/internal';
import type { GenerationSettingKey } from '../../domain/generation-settings.js';
import type {
  ChatModel,
  ChatRequest,
  ChatStreamPart,
  FinishReason,
  ModelInfo,
  ObjectRequest,
  ObjectResult,
} from '../types.js';
import { ProviderError } from '../types.js';
import { toModelMessages, toToolSet } from './ai-sdk-messages.js';
import { validateAgainstSchema } from './json-schema-validator.js';
import { toProviderError } from './provider-errors.js';
import { observeResponse } from './response-observer.js';
import { guardStream, resolveTimeouts, type StreamLiveness, type StreamTimeouts } from './stream-timeouts.js';
import { completeUsage } from './token-counter.js';

export interface AiSdkChatModelOptions {
  info: ModelInfo;
  /**
   * A model from any AI SDK provider package (`createOpenAI(…).chat('gpt-4o')`, …), or how to
   * get it on first use (cloud-providers.ts loads a vendor's package only when one of its models
   * is first called, which keeps the packages out of start-up).
   */
  model: Exclude<LanguageModel, string> | (() => Promise<Exclude<LanguageModel, string>>);
  timeouts?: Partial<StreamTimeouts>;
  /**
   * `leading`: the vendor accepts system messages only before the conversation (Anthropic,
   * Gemini); later ones (depth lore, post-history instructions) are sent as user-side notes.
   */
  systemMessages?: 'anywhere' | 'leading';
  /**
   * The generation settings this vendor takes (cloud-providers.ts `AI_SDK_GENERATION_SETTINGS`);
   * others are not handed to the AI SDK. Default: temperature, top_p, max tokens, stop.
   */
  generationSettings?: readonly GenerationSettingKey[];
}

const BASIC_SETTINGS: readonly GenerationSettingKey[] = ['temperature', 'topP', 'maxTokens', 'stop'];

const FINISH_REASONS: Record<AiFinishReason, FinishReason> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content-filter',
  'tool-calls': 'tool-calls',
  error: 'error',
  other: 'other',
};

/**
 * Any AI SDK language model behind our ChatModel contract. The AI SDK's own retries are off
 * (`maxRetries: 0`): the registry retries and falls back across providers, and two retry
 * layers would multiply the wait before a fallback.
 * @example
 * const chat = new AiSdkChatModel({ info, model: createOpenAI({ apiKey }).chat('gpt-4o-mini') });
 * for await (const part of chat.stream({ messages: [{ role: 'user', content: 'Hi' }] })) console.log(part);
 */
export class AiSdkChatModel implements ChatModel {
  readonly info: ModelInfo;
  private readonly model: () => Promise<Exclude<LanguageModel, string>>;
  private readonly timeouts: StreamTimeouts;
  private readonly leadingSystemOnly: boolean;
  private readonly settings: ReadonlySet<GenerationSettingKey>;

  constructor(options: AiSdkChatModelOptions) {
    this.info = options.info;
    this.settings = new Set(options.generationSettings ?? BASIC_SETTINGS);
    this.leadingSystemOnly = options.systemMessages === 'leading';
    const { model } = options;
    this.model = typeof model === 'function' ? model : async () => model;
    this.timeouts = resolveTimeouts(options.timeouts);
  }

  stream(request: ChatRequest): AsyncIterable<ChatStreamPart> {
    return guardStream((signal, liveness) => this.streamParts(request, signal, liveness), {
      timeouts: this.timeouts,
      signal: request.signal,
      toError: toProviderError,
    });
  }

  async generateObject<T = unknown>(request: ObjectRequest): Promise<ObjectResult<T>> {
    // Nothing streams here, so the whole answer must arrive within connect + first-token time.
    const deadline = AbortSignal.timeout(this.timeouts.connectTimeoutMs + this.timeouts.firstTokenTimeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
    const schema = jsonSchema<T>(request.schema, {
      validate: (value) => validateAgainstSchema<T>(request.schema, value),
    });
    try {
      const result = await generateText({
        model: await this.model(),
        messages: toModelMessages(request.messages, { leadingSystemOnly: this.leadingSystemOnly }),
        allowSystemInMessages: true,
        output: Output.object({ schema, name: request.schemaName }),
        maxRetries: 0,
        abortSignal: signal,
      });
      const usage = await completeUsage(
        { input: result.totalUsage.inputTokens, output: result.totalUsage.outputTokens },
        request.messages,
        result.text,
        this.info.name,
      );
      return { object: result.output as T, usage };
    } catch (error) {
      if (request.signal?.aborted) throw new ProviderError('cancelled', 'the request was cancelled', false);
      if (deadline.aborted) {
        const ms = this.timeouts.connectTimeoutMs + this.timeouts.firstTokenTimeoutMs;
        throw new ProviderError('provider_timeout', `no answer from the provider within ${ms} ms`, true);
      }
      // The wire was fine; the model's text was not JSON, broke the schema, or was missing.
      if (NoObjectGeneratedError.isInstance(error) || NoOutputGeneratedError.isInstance(error))
        throw new ProviderError('model_bad_output', "the model's answer does not match the schema", false);
      throw toProviderError(error);
    }
  }

  /** The request's settings this vendor takes, under the AI SDK's names (it maps them to the wire). */
  private callSettings(request: ChatRequest) {
    const on = this.settings;
    const pick = <T>(key: GenerationSettingKey, value: T | undefined) => (on.has(key) ? value : undefined);
    return {
      temperature: pick('temperature', request.temperature),
      topP: pick('topP', request.topP),
      topK: pick('topK', request.topK),
      frequencyPenalty: pick('frequencyPenalty', request.frequencyPenalty),
      presencePenalty: pick('presencePenalty', request.presencePenalty),
      seed: pick('seed', request.seed),
      maxOutputTokens: pick('maxTokens', request.maxOutputTokens),
      stopSequences: pick('stop', request.stop),
    };
  }

  /**
   * One call of the provider model's own `doStream`, its parts mapped straight to ours. Not
   * `streamText`: that runs every token through half a dozen TransformStreams of its own (steps,
   * tool execution, telemetry, callbacks) that a single-step call without executed tools does not
   * need — they were most of the per-token CPU of a reply (docs/performance.md). What it did that
   * matters is kept: the prompt is standardized and validated, call settings checked, tools
   * converted, tool-call inputs parsed, no retries (the fallback chain retries).
   */
  private async *streamParts(
    request: ChatRequest,
    signal: AbortSignal,
    liveness: StreamLiveness,
  ): AsyncGenerator<ChatStreamPart> {
    const observed = observeResponse(liveness.connected);
    let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart> | undefined;
    try {
      const model = languageModelV3(await this.model());
      const prompt = await standardizePrompt({
        messages: toModelMessages(request.messages, { leadingSystemOnly: this.leadingSystemOnly }),
        // Our system messages come from the persona and lorebook, never from the end user.
        allowSystemInMessages: true,
      });
      const tools = toToolSet(request.tools);
      const prepared = await prepareToolsAndToolChoice({
        tools,
        toolChoice: undefined,
        activeTools: undefined,
      });
      const result = await model.doStream({
        ...prepareCallSettings(this.callSettings(request)),
        tools: prepared.tools,
        toolChoice: prepared.toolChoice,
        prompt: await convertToLanguageModelPrompt({
          prompt,
          supportedUrls: await model.supportedUrls,
          download: undefined,
          abortSignal: signal,
        }),
        abortSignal: signal,
        headers: observed.headers,
      });
      liveness.connected();
      reader = result.stream.getReader();
      let text = '';
      let finishReason: FinishReason = 'other';
      let input: number | undefined;
      let output: number | undefined;
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        const part = read.value;
        switch (part.type) {
          case 'text-delta':
            if (part.delta) {
              text += part.delta;
              yield { type: 'text-delta', delta: part.delta };
            }
            break;
          case 'reasoning-delta':
            liveness.producing();
            if (part.delta) yield { type: 'reasoning-delta', delta: part.delta };
            break;
          case 'tool-call':
            yield {
              type: 'tool-call',
              toolCallId: part.toolCallId,
              toolName: part.toolName,
              input: toolInput(part.input, tools !== undefined && part.toolName in tools),
            };
            break;
          case 'error':
            throw part.error;
          case 'finish':
            finishReason = FINISH_REASONS[part.finishReason.unified] ?? 'other';
            input = part.usage.inputTokens.total;
            output = part.usage.outputTokens.total;
            break;
          // stream-start (warnings), text/reasoning/tool-input start/delta/end, sources, files,
          // raw chunks and response-metadata (the vendor's own model id and response id: the
          // catalogue id is what a reply records) carry nothing a reply keeps.
        }
      }
      if (finishReason === 'error') {
        throw new ProviderError(
          'provider_protocol_error',
          'the provider ended the reply with an error',
          false,
        );
      }
      yield {
        type: 'usage',
        usage: await completeUsage({ input, output }, request.messages, text, this.info.name),
      };
      yield { type: 'finish', finishReason };
    } finally {
      observed.release();
      // Ended early (cancel, timeout, a failure): let go of the response body.
      reader?.cancel().catch(() => {});
    }
  }
}

/** The model as the v3 interface `doStream` is called through: every vendor package we load makes v3 models. */
function languageModelV3(model: Exclude<LanguageModel, string>): LanguageModelV3 {
  if (model.specificationVersion === 'v3') return model;
  throw new ProviderError(
    'provider_protocol_error',
    `unsupported model specification ${model.specificationVersion}`,
    false,
  );
}

/**
 * What the SDK's secure JSON parser refuses (a `__proto__` key, a `constructor` holding a
 * `prototype`): own properties that a later merge could turn into prototype writes.
 */
const POLLUTING_KEY = /"__proto__"\s*:|"constructor"\s*:\s*\{[\s\S]*"prototype"\s*:/;

/**
 * A tool call's input as `streamText` gave it: the JSON the model wrote, parsed (an empty input
 * of a known tool is `{}`), or the text itself when it is not JSON (or names prototype keys, which
 * the SDK's secure parser refuses) — the caller decides what an unusable input means. The
 * OpenAI-wire adapter parses its tool calls with it too.
 * @example toolInput('{"city":"Bern"}', true) // { city: 'Bern' }
 */
export function toolInput(raw: string, known: boolean): unknown {
  if (known && raw.trim() === '') return {};
  if (POLLUTING_KEY.test(raw)) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
