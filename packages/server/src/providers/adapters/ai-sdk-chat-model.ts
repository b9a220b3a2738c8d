import {
  type FinishReason as AiFinishReason,
  generateText,
  jsonSchema,
  type LanguageModel,
  Output,
  streamText,
} from 'ai';
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
}

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

  constructor(options: AiSdkChatModelOptions) {
    this.info = options.info;
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
      throw toProviderError(error);
    }
  }

  private async *streamParts(
    request: ChatRequest,
    signal: AbortSignal,
    liveness: StreamLiveness,
  ): AsyncGenerator<ChatStreamPart> {
    const observed = observeResponse(liveness.connected);
    try {
      yield* this.readStream(request, signal, liveness, observed.headers);
    } finally {
      observed.release();
    }
  }

  private async *readStream(
    request: ChatRequest,
    signal: AbortSignal,
    liveness: StreamLiveness,
    headers: Record<string, string>,
  ): AsyncGenerator<ChatStreamPart> {
    const result = streamText({
      model: await this.model(),
      headers,
      messages: toModelMessages(request.messages, { leadingSystemOnly: this.leadingSystemOnly }),
      // Our system messages come from the persona and lorebook, never from the end user.
      allowSystemInMessages: true,
      tools: toToolSet(request.tools),
      temperature: request.temperature,
      topP: request.topP,
      maxOutputTokens: request.maxOutputTokens,
      stopSequences: request.stop,
      maxRetries: 0,
      abortSignal: signal,
      // Errors reach us as `error` parts; the default handler would also print them.
      onError: () => {},
    });
    let text = '';
    let finishReason: FinishReason = 'other';
    let reported: { input?: number; output?: number } = {};
    for await (const part of result.fullStream) {
      switch (part.type) {
        case 'start-step':
          liveness.connected();
          break;
        case 'reasoning-delta':
          liveness.producing();
          break;
        case 'text-delta':
          if (part.text) {
            text += part.text;
            yield { type: 'text-delta', delta: part.text };
          }
          break;
        case 'tool-call':
          yield {
            type: 'tool-call',
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            input: part.input,
          };
          break;
        case 'error':
          throw part.error;
        case 'abort':
          // Only our own upstream signal aborts the SDK; guardStream has already ended the stream.
          return;
        case 'finish':
          finishReason = FINISH_REASONS[part.finishReason] ?? 'other';
          reported = { input: part.totalUsage.inputTokens, output: part.totalUsage.outputTokens };
          break;
      }
    }
    if (finishReason === 'error') {
      throw new ProviderError('provider_protocol_error', 'the provider ended the reply with an error', false);
    }
    yield { type: 'usage', usage: await completeUsage(reported, request.messages, text, this.info.name) };
    yield { type: 'finish', finishReason };
  }
}
