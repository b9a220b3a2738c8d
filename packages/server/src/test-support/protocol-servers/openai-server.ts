import type { ServerResponse } from 'node:http';
import type { EmbeddingFunction, ProtocolServerEmbeddingOptions } from './hashed-embedding.js';
import {
  fakeEmbedding,
  type HttpErrorStatus,
  ProtocolServer,
  type RecordedRequest,
  type ScriptedReply,
  type StreamFrames,
  sseFrame,
  tokenUsage,
} from './protocol-server.js';
import { openAiWireImages, type WireImages } from './wire-images.js';

/**
 * Which vendor's flavour of the Chat Completions wire to speak:
 * - `openai`: usage only when `stream_options.include_usage` asks, as a last chunk with no choices;
 * - `groq`: usage in `x_groq.usage` on the final chunk;
 * - `mistral`: usage on the chunk carrying `finish_reason`, tool calls whole in one chunk, its
 *   own error bodies (unknown model is a 400 `invalid_model`);
 * - `compatible`: vLLM / LM Studio / llama.cpp style (OpenAI frames, vLLM error bodies).
 */
export type OpenAiDialect = 'openai' | 'groq' | 'mistral' | 'compatible';

export interface OpenAiModelEntry {
  id: string;
  /** Extra vendor fields (`context_window`, `max_context_length`, `capabilities`, …). */
  extra?: Record<string, unknown>;
}

const CREATED = 1_700_000_000;

/**
 * The OpenAI Chat Completions wire (`/v1/chat/completions` SSE with `data: [DONE]`,
 * `/v1/models`, `/v1/embeddings`) and its Groq, Mistral and self-hosted variants.
 * @example const server = await new OpenAiServer('groq').listen(); server.script({ kind: 'cut', tokens: ['Hi'] });
 */
export class OpenAiServer extends ProtocolServer {
  models: OpenAiModelEntry[] = [{ id: 'gpt-4o-mini' }, { id: 'text-embedding-3-small' }];
  embeddingDimensions = 8;
  /** How `/v1/embeddings` turns a text into a vector (`fakeEmbedding` unless constructed otherwise). */
  embeddingFunction: EmbeddingFunction;

  constructor(
    readonly dialect: OpenAiDialect = 'openai',
    options: ProtocolServerEmbeddingOptions = {},
  ) {
    super();
    this.embeddingFunction = options.embeddingFunction ?? fakeEmbedding;
    this.embeddingDimensions = options.embeddingDimensions ?? this.embeddingDimensions;
  }

  protected async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.path.endsWith('/models')) return this.listModels(req, res);
    if (req.method === 'POST' && req.path.endsWith('/embeddings')) return this.embeddings(req, res);
    if (req.method === 'POST' && req.path.endsWith('/chat/completions')) return this.chat(req, res);
    this.sendJson(res, 404, {
      error: { message: `Unknown path ${req.path}`, type: 'invalid_request_error' },
    });
  }

  private listModels(req: RecordedRequest, res: ServerResponse) {
    const failure = this.authFailure(req);
    if (failure) return this.sendError(res, failure, '');
    this.sendJson(res, 200, {
      object: 'list',
      data: this.models.map((m) => ({
        id: m.id,
        object: 'model',
        created: CREATED,
        owned_by: 'system',
        ...m.extra,
      })),
    });
  }

  private embeddings(req: RecordedRequest, res: ServerResponse) {
    const reply = this.nextReply();
    if (reply.kind === 'http-error') return this.sendError(res, reply.status, req.body?.model, reply.message);
    const inputs: string[] = Array.isArray(req.body?.input) ? req.body.input : [req.body?.input ?? ''];
    const tokens = inputs.reduce((sum, text) => sum + text.split(/\s+/).length, 0);
    this.sendJson(res, 200, {
      ...(this.dialect === 'mistral' ? { id: 'emb-1' } : {}),
      object: 'list',
      data: inputs.map((text, index) => ({
        object: 'embedding',
        index,
        embedding: this.embeddingFunction(text, this.embeddingDimensions),
      })),
      model: req.body?.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  private async chat(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const reply = this.nextReply();
    const model: string = req.body?.model ?? 'unknown';
    if (reply.kind === 'http-error') return this.sendError(res, reply.status, model, reply.message);
    const images = this.wireImages(req.body);
    if ('error' in images) return this.sendError(res, 400, model, images.error);
    if (req.body?.stream !== true) return this.complete(res, reply, model);
    await this.playStream(
      req,
      res,
      reply,
      this.frames(model, req.body?.stream_options?.include_usage === true),
    );
  }

  /** A non-streamed `chat.completion` (used by structured output). */
  private complete(
    res: ServerResponse,
    reply: Exclude<ScriptedReply, { kind: 'http-error' }>,
    model: string,
  ) {
    if (reply.kind === 'hang') return;
    const toolCalls =
      reply.kind === 'tool-call'
        ? [
            {
              id: reply.callId ?? 'call_1',
              type: 'function',
              function: { name: reply.toolName, arguments: JSON.stringify(reply.input) },
            },
          ]
        : undefined;
    const tokens = 'tokens' in reply ? (reply.tokens ?? []) : [];
    const usage = tokenUsage(tokens);
    this.sendJson(res, 200, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: CREATED,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: toolCalls ? null : tokens.join(''), tool_calls: toolCalls },
          finish_reason: toolCalls ? 'tool_calls' : 'stop',
        },
      ],
      usage: {
        prompt_tokens: usage.input,
        completion_tokens: usage.output,
        total_tokens: usage.input + usage.output,
      },
    });
  }

  private frames(model: string, includeUsage: boolean): StreamFrames {
    const dialect = this.dialect;
    const chunk = (choice: Record<string, unknown> | null, extra: Record<string, unknown> = {}) =>
      sseFrame({
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        created: CREATED,
        model,
        choices: choice ? [{ index: 0, logprobs: null, finish_reason: null, ...choice }] : [],
        ...extra,
      });
    const usageOf = (u: { input: number; output: number }) => ({
      prompt_tokens: u.input,
      completion_tokens: u.output,
      total_tokens: u.input + u.output,
    });
    return {
      contentType: 'text/event-stream',
      start: () => [
        chunk(
          { delta: { role: 'assistant', content: '' } },
          dialect === 'groq' ? { x_groq: { id: 'req_1' } } : {},
        ),
      ],
      text: (token) => [chunk({ delta: { content: token } })],
      // What OpenAI-compatible servers that think send (DeepSeek, vLLM, llama.cpp's server).
      reasoning: (token) => [chunk({ delta: { reasoning_content: token } })],
      toolCall: ({ id, name, input }) => {
        const args = JSON.stringify(input);
        if (dialect === 'mistral') {
          // Mistral sends each tool call whole, with its arguments, in a single delta.
          return [chunk({ delta: { tool_calls: [{ id, function: { name, arguments: args }, index: 0 }] } })];
        }
        const half = Math.floor(args.length / 2);
        return [
          chunk({
            delta: { tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }] },
          }),
          chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] } }),
          chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] } }),
        ];
      },
      end: (finish, usage) => {
        const reason = finish === 'tool-calls' ? 'tool_calls' : finish;
        const frames: string[] = [];
        if (dialect === 'mistral') {
          frames.push(
            chunk({ delta: { content: '' }, finish_reason: reason }, usage ? { usage: usageOf(usage) } : {}),
          );
        } else if (dialect === 'groq') {
          const xGroq = usage ? { x_groq: { id: 'req_1', usage: usageOf(usage) } } : {};
          frames.push(chunk({ delta: {}, finish_reason: reason }, xGroq));
        } else {
          frames.push(chunk({ delta: {}, finish_reason: reason }));
          if (usage && includeUsage) frames.push(chunk(null, { usage: usageOf(usage) }));
        }
        frames.push('data: [DONE]\n\n');
        return frames;
      },
      malformed: () =>
        'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"delta":{"content"\n\n',
    };
  }

  protected override wireImages(body: unknown): WireImages {
    return openAiWireImages(body, { urlAsString: this.dialect === 'mistral' });
  }

  /** Any bearer key is accepted; 401 tests script the error (listing counts as a call too). */
  private authFailure(req: RecordedRequest): HttpErrorStatus | null {
    const scripted = this.takeScriptedError();
    if (scripted) return scripted.status;
    return req.headers.authorization?.startsWith('Bearer ') ? null : 401;
  }

  private sendError(res: ServerResponse, status: HttpErrorStatus, model: string, message?: string): void {
    const { status: sent, body } = openAiErrorBody(this.dialect, status, model, message);
    this.sendJson(res, sent, body);
  }
}

/** The real error bodies each vendor sends on this wire. */
function openAiErrorBody(dialect: OpenAiDialect, status: HttpErrorStatus, model: string, message?: string) {
  if (dialect === 'mistral') {
    if (status === 401) return { status, body: { message: message ?? 'Unauthorized', request_id: 'req-1' } };
    if (status === 404) {
      // Mistral answers an unknown model with 400 invalid_model, not 404.
      const body = {
        object: 'error',
        message: `Invalid model: ${model}`,
        type: 'invalid_model',
        param: null,
      };
      return { status: 400, body: { ...body, code: '1500' } };
    }
    const type =
      status === 429 ? 'rate_limited' : status === 400 ? 'invalid_request_error' : 'internal_error';
    const text = message ?? (status === 429 ? 'Requests rate limit exceeded' : 'Internal server error');
    return { status, body: { object: 'error', message: text, type, param: null, code: null } };
  }
  if (dialect === 'compatible' && status === 404) {
    const text = `The model \`${model}\` does not exist.`;
    return {
      status,
      body: { object: 'error', message: text, type: 'NotFoundError', param: null, code: 404 },
    };
  }
  const errors: Record<HttpErrorStatus, { message: string; type: string; code: string | null }> = {
    400: { message: 'Invalid request', type: 'invalid_request_error', code: null },
    401: {
      message:
        'Incorrect API key provided: sk-wrong. You can find your API key at https://platform.openai.com/account/api-keys.',
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    },
    404: {
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
      type: 'invalid_request_error',
      code: 'model_not_found',
    },
    429: {
      message: 'Rate limit reached for requests. Please try again in 20s.',
      type: 'requests',
      code: 'rate_limit_exceeded',
    },
    500: {
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      code: null,
    },
  };
  const error = errors[status];
  return { status, body: { error: { ...error, message: message ?? error.message, param: null } } };
}
