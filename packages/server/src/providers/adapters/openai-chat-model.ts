import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { GenerationSettingKey } from '../../domain/generation-settings.js';
import type { RequestFunction } from '../../net/outbound-client.js';
import type {
  ChatMessage,
  ChatModel,
  ChatRequest,
  ChatStreamPart,
  ModelInfo,
  ObjectRequest,
  ObjectResult,
  ToolDefinition,
} from '../types.js';
import { toolInput } from './ai-sdk-chat-model.js';
import { CompletionStream } from './openai-completion-stream.js';
import { httpProviderError, toProviderError } from './provider-errors.js';
import { guardStream, type StreamLiveness, type StreamTimeouts } from './stream-timeouts.js';
import { completeUsage } from './token-counter.js';

export interface OpenAiChatModelOptions {
  info: ModelInfo;
  /**
   * `openai`: OpenAI's own API (`max_completion_tokens`; its reasoning models take instructions
   * as `developer` messages and refuse temperature and top_p); `openai-compatible`: vLLM, LM
   * Studio, llama.cpp's server, OpenRouter … (`max_tokens`).
   */
  dialect: 'openai' | 'openai-compatible';
  /** The API root including its version (`https://api.openai.com/v1`). */
  baseUrl: string;
  apiKey?: string;
  /** The guarded client's Node-stream request (`outbound.request(trust, PROVIDER_LIMITS)`). */
  request: RequestFunction;
  timeouts: StreamTimeouts;
  /**
   * Answers `generateObject`: structured output stays on the AI SDK (json_schema response formats,
   * schema normalisation, validation), which is not on the per-token path.
   */
  objects: Pick<ChatModel, 'generateObject'>;
}

/**
 * The generation settings each dialect takes (wire names in `requestBody`): OpenAI's own API has
 * no top_k, min_p or repetition penalty, and its reasoning models refuse the sampling ones;
 * OpenAI-compatible servers (vLLM, OpenRouter, LM Studio, llama.cpp's server) take all of them.
 */
const OPENAI_SETTINGS: readonly GenerationSettingKey[] = [
  'temperature',
  'topP',
  'frequencyPenalty',
  'presencePenalty',
  'maxTokens',
  'stop',
  'seed',
];
const OPENAI_REASONING_SETTINGS: readonly GenerationSettingKey[] = ['maxTokens', 'stop', 'seed'];
const OPENAI_COMPATIBLE_SETTINGS: readonly GenerationSettingKey[] = [
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

/** @example openAiGenerationSettings('openai', 'o3-mini') // ['maxTokens', 'stop', 'seed'] */
export function openAiGenerationSettings(
  dialect: OpenAiChatModelOptions['dialect'],
  modelName: string,
): readonly GenerationSettingKey[] {
  if (dialect === 'openai-compatible') return OPENAI_COMPATIBLE_SETTINGS;
  return isOpenAiReasoningModel(modelName) ? OPENAI_REASONING_SETTINGS : OPENAI_SETTINGS;
}

/** An error answer is read this far to pick the error code; the rest is not needed. */
const MAX_ERROR_BODY_CHARS = 64 * 1024;

/**
 * A model on the OpenAI Chat Completions wire (`POST /chat/completions`, SSE), streamed without
 * the AI SDK: every chat turn with an `openai` or `openai-compatible` model goes through here, so
 * the per-token work is kept to what the wire needs (docs/architecture.md, "The per-token path"):
 * the body arrives as Node 'data' events through the guarded client, each socket chunk is fed
 * to an SSE parser, each event is `JSON.parse`d and checked by hand (no zod), and the text
 * deltas of one chunk leave as one `text-delta`. Structured output is delegated (`objects`).
 * @example
 * const chat = new OpenAiChatModel({ info, dialect: 'openai', baseUrl, apiKey, request, timeouts, objects });
 * for await (const part of chat.stream({ messages: [{ role: 'user', content: 'Hi' }] })) console.log(part);
 */
export class OpenAiChatModel implements ChatModel {
  readonly info: ModelInfo;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly reasoningModel: boolean;
  /** What this model's wire takes beyond max tokens and stop (which every dialect takes). */
  private readonly sampling: boolean;
  private readonly extendedSampling: boolean;

  constructor(private readonly options: OpenAiChatModelOptions) {
    this.info = options.info;
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.headers = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    };
    this.reasoningModel = options.dialect === 'openai' && isOpenAiReasoningModel(options.info.name);
    this.sampling = !this.reasoningModel;
    this.extendedSampling = options.dialect === 'openai-compatible';
  }

  stream(request: ChatRequest): AsyncIterable<ChatStreamPart> {
    return guardStream((signal, liveness) => this.streamParts(request, signal, liveness), {
      timeouts: this.options.timeouts,
      signal: request.signal,
      toError: toProviderError,
    });
  }

  generateObject<T = unknown>(request: ObjectRequest): Promise<ObjectResult<T>> {
    return this.options.objects.generateObject<T>(request);
  }

  private async *streamParts(
    request: ChatRequest,
    signal: AbortSignal,
    liveness: StreamLiveness,
  ): AsyncGenerator<ChatStreamPart> {
    const response = await this.options.request(this.url, {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify(this.requestBody(request)),
      signal,
    });
    liveness.connected();
    if (response.status < 200 || response.status > 299)
      throw httpProviderError(response.status, await readErrorText(response.body));
    const completion = new CompletionStream(response.body, liveness);
    try {
      // Inline rather than a generator of its own: every batch of parts would take one more hop.
      for (let batch = completion.take(); ; batch = completion.take()) {
        if (batch) for (const part of batch) yield part;
        else if (completion.ended()) break;
        else await completion.arrival();
      }
      const known = new Set(request.tools?.map((tool) => tool.name));
      for (const call of completion.toolCalls()) {
        yield {
          type: 'tool-call',
          toolCallId: call.id,
          toolName: call.name,
          input: toolInput(call.arguments, known.has(call.name)),
        };
      }
      yield {
        type: 'usage',
        usage: await completeUsage(completion.usage(), request.messages, completion.text(), this.info.name),
      };
      yield { type: 'finish', finishReason: completion.finishReason() };
    } finally {
      // Ended early (cancel, timeout, a failure): let go of the connection.
      completion.release();
    }
  }

  private requestBody(request: ChatRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.info.name,
      messages: toOpenAiMessages(request.messages, this.reasoningModel ? 'developer' : 'system'),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.maxOutputTokens !== undefined)
      body[this.options.dialect === 'openai' ? 'max_completion_tokens' : 'max_tokens'] =
        request.maxOutputTokens;
    // OpenAI's reasoning models refuse sampling settings (the AI SDK drops them the same way).
    // What is sent matches openAiGenerationSettings.
    if (this.sampling) {
      if (request.temperature !== undefined) body.temperature = request.temperature;
      if (request.topP !== undefined) body.top_p = request.topP;
      if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
      if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
    }
    if (this.extendedSampling) {
      if (request.topK !== undefined) body.top_k = request.topK;
      if (request.minP !== undefined) body.min_p = request.minP;
      if (request.repetitionPenalty !== undefined) body.repetition_penalty = request.repetitionPenalty;
    }
    if (request.seed !== undefined) body.seed = request.seed;
    if (request.stop?.length) body.stop = request.stop;
    if (request.tools?.length) body.tools = request.tools.map(toOpenAiTool);
    return body;
  }
}

/**
 * Our messages in the Chat Completions shape: an assistant's tool calls as `tool_calls` (its
 * content `null` when it said nothing, as OpenAI expects), each tool result as a `tool` message
 * answering its call by id; a user message with pictures as content parts (`text`, then
 * `image_url` with a base64 data URL each), every other content a string.
 * @example toOpenAiMessages([{ role: 'user', content: 'Hi' }], 'system') // [{ role: 'user', content: 'Hi' }]
 */
export function toOpenAiMessages(
  messages: ChatMessage[],
  systemRole: 'system' | 'developer',
): Record<string, unknown>[] {
  return messages.map((message) => {
    switch (message.role) {
      case 'system':
        return { role: systemRole, content: message.content };
      case 'user':
        if (!message.images?.length) return { role: 'user', content: message.content };
        // Pictures as content parts with data URLs (the form every OpenAI-style server reads).
        return {
          role: 'user',
          content: [
            ...(message.content ? [{ type: 'text', text: message.content }] : []),
            ...message.images.map((image) => ({
              type: 'image_url',
              image_url: {
                url: `data:${image.mediaType};base64,${Buffer.from(image.data).toString('base64')}`,
              },
            })),
          ],
        };
      case 'assistant':
        if (!message.toolCalls?.length) return { role: 'assistant', content: message.content };
        return {
          role: 'assistant',
          content: message.content || null,
          tool_calls: message.toolCalls.map((call) => ({
            id: call.toolCallId,
            type: 'function',
            function: { name: call.toolName, arguments: toolArguments(call.input) },
          })),
        };
      default: // tool
        return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: message.content };
    }
  });
}

function toOpenAiTool(tool: ToolDefinition) {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  };
}

/**
 * A call's input as the `arguments` string: JSON of an object. An input kept as text (the model
 * wrote something that was not JSON) is sent as `{}` unless it is a JSON object after all, as the
 * AI SDK does: servers refuse arguments that are not an object.
 */
function toolArguments(input: unknown): string {
  if (typeof input !== 'string') return JSON.stringify(input ?? {});
  try {
    const parsed: unknown = JSON.parse(input);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? input : '{}';
  } catch {
    return '{}';
  }
}

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 …, not the gpt-5-chat ones), by the rule of
 * the AI SDK's OpenAI package: they take `developer` instead of `system` messages.
 */
function isOpenAiReasoningModel(name: string): boolean {
  if (/^o\d+(?:-|$)/.test(name)) return true;
  const gpt = /^gpt-(\d+)(?:\.(\d+))?(?:-(.+))?$/.exec(name);
  if (!gpt) return false;
  const chatVariant = gpt[2] === undefined && (gpt[3]?.startsWith('chat') ?? false);
  return Number(gpt[1]) >= 5 && !chatVariant;
}

/** The start of an error answer (which only picks our error code, never reaches a user). */
async function readErrorText(body: Readable): Promise<string> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  try {
    for await (const chunk of body) {
      text += decoder.write(chunk as Buffer);
      if (text.length > MAX_ERROR_BODY_CHARS) break; // leaving the loop destroys the body
    }
  } catch {
    // What arrived is enough to pick a code; a cut error body changes nothing.
  }
  return text;
}
