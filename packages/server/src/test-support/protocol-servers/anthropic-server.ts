import type { ServerResponse } from 'node:http';
import {
  type HttpErrorStatus,
  ProtocolServer,
  type RecordedRequest,
  SCRIPTED_INPUT_TOKENS,
  type ScriptedReply,
  type StreamFrames,
  sseFrame,
  tokenUsage,
} from './protocol-server.js';
import { anthropicWireImages, type WireImages } from './wire-images.js';

const ERRORS: Record<HttpErrorStatus, { type: string; message: (model: string) => string }> = {
  400: { type: 'invalid_request_error', message: () => 'messages: at least one message is required' },
  401: { type: 'authentication_error', message: () => 'invalid x-api-key' },
  404: { type: 'not_found_error', message: (model) => `model: ${model}` },
  429: {
    type: 'rate_limit_error',
    message: () => 'Number of request tokens has exceeded your per-minute rate limit',
  },
  500: { type: 'api_error', message: () => 'Internal server error' },
};

/** The tool the AI SDK forces when a model lacks native structured output. */
const JSON_TOOL = 'json';

/**
 * Anthropic's Messages API: `/v1/messages` SSE (`message_start`, `content_block_start`,
 * `content_block_delta` with `text_delta` / `input_json_delta`, `content_block_stop`,
 * `message_delta` with usage, `message_stop`), JSON replies, and `/v1/models`.
 * @example const server = await new AnthropicServer().listen(); server.script({ kind: 'http-error', status: 401 });
 */
export class AnthropicServer extends ProtocolServer {
  models = [{ id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5' }];

  protected async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.path.endsWith('/models')) {
      const scripted = this.takeScriptedError();
      if (scripted) return this.sendError(res, scripted.status, '', scripted.message);
      return this.sendJson(res, 200, {
        data: this.models.map((m) => ({ type: 'model', created_at: '2025-09-29T00:00:00Z', ...m })),
        has_more: false,
        first_id: this.models[0]?.id ?? null,
        last_id: this.models.at(-1)?.id ?? null,
      });
    }
    if (req.method === 'POST' && req.path.endsWith('/messages')) return this.messages(req, res);
    this.sendError(res, 404, '', `Not found: ${req.path}`);
  }

  private async messages(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const reply = this.nextReply();
    const model: string = req.body?.model ?? 'unknown';
    if (reply.kind === 'http-error') return this.sendError(res, reply.status, model, reply.message);
    const images = this.wireImages(req.body);
    if ('error' in images) return this.sendError(res, 400, model, images.error);
    // The AI SDK's fallback for models without native structured output: one `json` tool, forced.
    const tools: { name: string }[] = req.body?.tools ?? [];
    const forcedJsonTool =
      tools.length === 1 &&
      tools[0]?.name === JSON_TOOL &&
      ['any', 'tool'].includes(req.body?.tool_choice?.type);
    if (req.body?.stream !== true) return this.complete(res, reply, model, forcedJsonTool);
    await this.playStream(req, res, reply, this.frames(model));
  }

  protected override wireImages(body: unknown): WireImages {
    return anthropicWireImages(body);
  }

  private complete(
    res: ServerResponse,
    reply: Exclude<ScriptedReply, { kind: 'http-error' }>,
    model: string,
    forcedJsonTool: boolean,
  ): void {
    if (reply.kind === 'hang') return;
    const tokens = 'tokens' in reply ? (reply.tokens ?? []) : [];
    const text = tokens.join('');
    let content: unknown[];
    if (reply.kind === 'tool-call') {
      content = [
        { type: 'tool_use', id: reply.callId ?? 'toolu_1', name: reply.toolName, input: reply.input },
      ];
    } else if (forcedJsonTool && isJson(text)) {
      content = [{ type: 'tool_use', id: 'toolu_json', name: JSON_TOOL, input: JSON.parse(text) }];
    } else {
      content = [{ type: 'text', text }];
    }
    const usage = tokenUsage(tokens);
    this.sendJson(res, 200, {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: reply.kind === 'tool-call' || forcedJsonTool ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: usage.output },
    });
  }

  private frames(model: string): StreamFrames {
    let textOpen = false;
    const event = (data: { type: string } & Record<string, unknown>) => sseFrame(data, data.type);
    const closeText = () => {
      if (!textOpen) return [];
      textOpen = false;
      return [event({ type: 'content_block_stop', index: 0 })];
    };
    return {
      contentType: 'text/event-stream; charset=utf-8',
      start: () => [
        event({
          type: 'message_start',
          message: {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            content: [],
            model,
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: SCRIPTED_INPUT_TOKENS, output_tokens: 1 },
          },
        }),
        event({ type: 'ping' }),
      ],
      text: (token, index) => {
        const open = index === 0 && !textOpen;
        if (open) textOpen = true;
        return [
          ...(open
            ? [event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })]
            : []),
          event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: token } }),
        ];
      },
      toolCall: ({ id, name, input }) => {
        const args = JSON.stringify(input);
        const half = Math.floor(args.length / 2);
        return [
          ...closeText(),
          event({
            type: 'content_block_start',
            index: 0,
            content_block: { type: 'tool_use', id, name, input: {} },
          }),
          event({
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'input_json_delta', partial_json: '' },
          }),
          event({
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'input_json_delta', partial_json: args.slice(0, half) },
          }),
          event({
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'input_json_delta', partial_json: args.slice(half) },
          }),
          event({ type: 'content_block_stop', index: 0 }),
        ];
      },
      end: (finish, usage) => [
        ...closeText(),
        event({
          type: 'message_delta',
          delta: {
            stop_reason:
              finish === 'tool-calls' ? 'tool_use' : finish === 'length' ? 'max_tokens' : 'end_turn',
            stop_sequence: null,
          },
          // Anthropic always reports usage; a "missing usage" script still gets the output count.
          usage: { output_tokens: usage?.output ?? 1 },
        }),
        event({ type: 'message_stop' }),
      ],
      malformed: () =>
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":\n\n',
    };
  }

  private sendError(res: ServerResponse, status: HttpErrorStatus, model: string, message?: string): void {
    const error = ERRORS[status];
    this.sendJson(res, status, {
      type: 'error',
      error: { type: error.type, message: message ?? error.message(model) },
    });
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
