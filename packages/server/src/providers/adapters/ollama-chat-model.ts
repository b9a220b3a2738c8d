import type { GenerationSettingKey } from '../../domain/generation-settings.js';
import type {
  ChatMessage,
  ChatModel,
  ChatRequest,
  ChatStreamPart,
  ModelInfo,
  ObjectRequest,
  ObjectResult,
} from '../types.js';
import { ProviderError } from '../types.js';
import { requestJson } from './http-json.js';
import { validateAgainstSchema } from './json-schema-validator.js';
import { readNdjson } from './ndjson-reader.js';
import { httpProviderError, toProviderError } from './provider-errors.js';
import { guardStream, type StreamLiveness, type StreamTimeouts } from './stream-timeouts.js';
import { completeUsage } from './token-counter.js';

/** Ollama's `options` take every generation setting Lumina has (`callOptions` maps the names). */
export const OLLAMA_GENERATION_SETTINGS: readonly GenerationSettingKey[] = [
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

export interface OllamaChatModelOptions {
  info: ModelInfo;
  baseUrl: string;
  /** How long Ollama keeps the model loaded after the call (`"5m"`, `"1h"`, `-1`, `0`). */
  keepAlive?: string | number;
  timeouts: StreamTimeouts;
  fetch: typeof globalThis.fetch;
}

interface OllamaChatLine {
  message?: { content?: string; thinking?: string; tool_calls?: OllamaToolCall[] };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

interface OllamaToolCall {
  id?: string;
  function: { name: string; arguments: unknown };
}

/**
 * A model served by Ollama, through its native `/api/chat` (NDJSON streaming, `format` for
 * structured output, `keep_alive`), not the OpenAI shim: the native API reports load state,
 * real token counts and takes a JSON schema for `format`.
 * @example
 * const chat = new OllamaChatModel({ info, baseUrl: 'http://127.0.0.1:11434', timeouts, fetch });
 * for await (const part of chat.stream({ messages })) console.log(part);
 */
export class OllamaChatModel implements ChatModel {
  readonly info: ModelInfo;

  constructor(private readonly options: OllamaChatModelOptions) {
    this.info = options.info;
  }

  stream(request: ChatRequest): AsyncIterable<ChatStreamPart> {
    return guardStream((signal, liveness) => this.streamParts(request, signal, liveness), {
      timeouts: this.options.timeouts,
      signal: request.signal,
      toError: toProviderError,
    });
  }

  async generateObject<T = unknown>(request: ObjectRequest): Promise<ObjectResult<T>> {
    const { connectTimeoutMs, firstTokenTimeoutMs } = this.options.timeouts;
    const answer = await requestJson<OllamaChatLine>(`${this.options.baseUrl}/api/chat`, {
      method: 'POST',
      body: { ...this.body(request.messages, false), format: request.schema },
      signal: request.signal,
      timeoutMs: connectTimeoutMs + firstTokenTimeoutMs,
      fetch: this.options.fetch,
    });
    const text = answer.message?.content ?? '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ProviderError('model_bad_output', 'the model answered invalid JSON', false);
    }
    const checked = validateAgainstSchema<T>(request.schema, parsed);
    if (!checked.success) throw new ProviderError('model_bad_output', checked.error.message, false);
    const reported = { input: answer.prompt_eval_count, output: answer.eval_count };
    return {
      object: checked.value,
      usage: await completeUsage(reported, request.messages, text, this.info.name),
    };
  }

  private async *streamParts(
    request: ChatRequest,
    signal: AbortSignal,
    liveness: StreamLiveness,
  ): AsyncGenerator<ChatStreamPart> {
    const response = await this.options.fetch(`${this.options.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...this.body(request.messages, true), ...this.callOptions(request) }),
      signal,
    });
    liveness.connected();
    if (!response.ok || !response.body)
      throw httpProviderError(response.status, await response.text().catch(() => ''));
    let text = '';
    let toolCalls = 0;
    let last: OllamaChatLine | undefined;
    for await (const line of readNdjson(response.body) as AsyncGenerator<OllamaChatLine>) {
      // Ollama reports failures after the 200 (runner crash, out of memory) as an error line.
      if (line.error)
        throw httpProviderError(/not found/i.test(line.error) ? 404 : 500, JSON.stringify(line));
      if (line.message?.thinking) {
        liveness.producing();
        yield { type: 'reasoning-delta', delta: line.message.thinking };
      }
      if (line.message?.content) {
        text += line.message.content;
        yield { type: 'text-delta', delta: line.message.content };
      }
      for (const call of line.message?.tool_calls ?? []) {
        toolCalls++;
        yield {
          type: 'tool-call',
          toolCallId: call.id ?? `call_${toolCalls}`,
          toolName: call.function.name,
          input: call.function.arguments,
        };
      }
      if (line.done) {
        last = line;
        break;
      }
    }
    if (!last)
      throw new ProviderError('provider_protocol_error', 'the stream ended before Ollama said done', false);
    const reported = { input: last.prompt_eval_count, output: last.eval_count };
    yield { type: 'usage', usage: await completeUsage(reported, request.messages, text, this.info.name) };
    yield {
      type: 'finish',
      finishReason: toolCalls > 0 ? 'tool-calls' : last.done_reason === 'length' ? 'length' : 'stop',
    };
  }

  private body(messages: ChatMessage[], stream: boolean) {
    return {
      model: this.info.name,
      messages: toOllamaMessages(messages),
      stream,
      ...(this.options.keepAlive !== undefined && { keep_alive: this.options.keepAlive }),
    };
  }

  private callOptions(request: ChatRequest) {
    // Every setting in OLLAMA_GENERATION_SETTINGS, under Ollama's option names (undefined ones
    // vanish in JSON).
    const options = {
      temperature: request.temperature,
      top_p: request.topP,
      top_k: request.topK,
      min_p: request.minP,
      repeat_penalty: request.repetitionPenalty,
      frequency_penalty: request.frequencyPenalty,
      presence_penalty: request.presencePenalty,
      seed: request.seed,
      num_predict: request.maxOutputTokens,
      stop: request.stop,
    };
    const tools = request.tools?.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
    }));
    return { options, ...(tools?.length && { tools }) };
  }
}

function toOllamaMessages(messages: ChatMessage[]) {
  const toolNames = new Map<string, string>();
  return messages.map((message) => {
    if (message.role === 'assistant' && message.toolCalls?.length) {
      for (const call of message.toolCalls) toolNames.set(call.toolCallId, call.toolName);
      return {
        role: 'assistant',
        content: message.content,
        tool_calls: message.toolCalls.map((call) => ({
          function: { name: call.toolName, arguments: call.input },
        })),
      };
    }
    if (message.role === 'tool') {
      const toolName =
        message.toolName ?? (message.toolCallId ? toolNames.get(message.toolCallId) : undefined);
      return { role: 'tool', content: message.content, ...(toolName && { tool_name: toolName }) };
    }
    // Ollama takes a message's pictures as base64 strings beside its text.
    if (message.images?.length)
      return {
        role: message.role,
        content: message.content,
        images: message.images.map((image) => Buffer.from(image.data).toString('base64')),
      };
    return { role: message.role, content: message.content };
  });
}
