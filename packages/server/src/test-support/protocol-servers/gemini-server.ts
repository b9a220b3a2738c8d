import type { ServerResponse } from 'node:http';
import {
  fakeEmbedding,
  type HttpErrorStatus,
  ProtocolServer,
  type RecordedRequest,
  SCRIPTED_INPUT_TOKENS,
  type ScriptedReply,
  type StreamFrames,
  sseFrame,
  tokenUsage,
} from './protocol-server.js';
import { geminiWireImages, type WireImages } from './wire-images.js';

/**
 * Gemini's real error answers. A bad key is a 400 INVALID_ARGUMENT with reason
 * API_KEY_INVALID, not a 401, so a "401" script sends exactly that.
 */
function geminiError(status: HttpErrorStatus, model: string, message?: string) {
  const errors: Record<
    HttpErrorStatus,
    { code: number; message: string; status: string; details?: unknown[] }
  > = {
    400: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' },
    401: {
      code: 400,
      message: 'API key not valid. Please pass a valid API key.',
      status: 'INVALID_ARGUMENT',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ],
    },
    404: {
      code: 404,
      message: `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
      status: 'NOT_FOUND',
    },
    429: {
      code: 429,
      message: 'Resource has been exhausted (e.g. check quota).',
      status: 'RESOURCE_EXHAUSTED',
    },
    500: {
      code: 500,
      message:
        'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
      status: 'INTERNAL',
    },
  };
  const error = errors[status];
  return { status: error.code, body: { error: { ...error, message: message ?? error.message } } };
}

/**
 * The Gemini API (v1beta): `models/{m}:streamGenerateContent?alt=sse`, `:generateContent`,
 * `:batchEmbedContents` and the `models` list, with `x-goog-api-key` auth.
 * @example const server = await new GeminiServer().listen(); server.script({ kind: 'hang' });
 */
export class GeminiServer extends ProtocolServer {
  models = [
    {
      name: 'models/gemini-2.0-flash',
      inputTokenLimit: 1_048_576,
      supportedGenerationMethods: ['generateContent', 'countTokens'],
    },
    {
      name: 'models/text-embedding-004',
      inputTokenLimit: 2048,
      supportedGenerationMethods: ['embedContent'],
    },
  ];
  embeddingDimensions = 8;

  protected async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const action = /\/models\/([^/:]+):(\w+)$/.exec(req.path);
    if (req.method === 'GET' && req.path.endsWith('/models')) {
      const scripted = this.takeScriptedError();
      if (scripted) return this.sendError(res, scripted.status, '', scripted.message);
      return this.sendJson(res, 200, {
        models: this.models.map((m) => ({
          version: '001',
          displayName: m.name,
          outputTokenLimit: 8192,
          ...m,
        })),
      });
    }
    if (req.method !== 'POST' || !action) return this.sendError(res, 404, req.path);
    const [, model = '', method] = action;
    const reply = this.nextReply();
    if (reply.kind === 'http-error') return this.sendError(res, reply.status, model, reply.message);
    if (method === 'batchEmbedContents') return this.embed(req, res);
    const images = this.wireImages(req.body);
    if ('error' in images) return this.sendError(res, 400, model, images.error);
    if (method === 'generateContent') return this.complete(res, reply, model);
    if (method === 'streamGenerateContent') return this.playStream(req, res, reply, this.frames(model));
    this.sendError(res, 404, model);
  }

  protected override wireImages(body: unknown): WireImages {
    return geminiWireImages(body);
  }

  private embed(req: RecordedRequest, res: ServerResponse): void {
    const requests: { content: { parts: { text: string }[] } }[] = req.body?.requests ?? [];
    this.sendJson(res, 200, {
      embeddings: requests.map((r) => ({
        values: fakeEmbedding(r.content.parts[0]?.text ?? '', this.embeddingDimensions),
      })),
    });
  }

  private complete(
    res: ServerResponse,
    reply: Exclude<ScriptedReply, { kind: 'http-error' }>,
    model: string,
  ): void {
    if (reply.kind === 'hang') return;
    const tokens = 'tokens' in reply ? (reply.tokens ?? []) : [];
    const parts =
      reply.kind === 'tool-call'
        ? [{ functionCall: { name: reply.toolName, args: reply.input } }]
        : [{ text: tokens.join('') }];
    this.sendJson(res, 200, {
      candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: usageMetadata(tokenUsage(tokens)),
      modelVersion: model,
    });
  }

  private frames(model: string): StreamFrames {
    const chunk = (parts: unknown[], candidate: Record<string, unknown> = {}, usage?: unknown) =>
      sseFrame({
        candidates: [{ content: { parts, role: 'model' }, index: 0, ...candidate }],
        ...(usage ? { usageMetadata: usage } : {}),
        modelVersion: model,
      });
    return {
      contentType: 'text/event-stream',
      start: () => [],
      text: (token) => [chunk([{ text: token }])],
      toolCall: ({ name, input }) => [chunk([{ functionCall: { name, args: input } }])],
      end: (finish, usage) => [
        chunk(
          [{ text: '' }],
          { finishReason: finish === 'length' ? 'MAX_TOKENS' : 'STOP' },
          usage ? usageMetadata(usage) : undefined,
        ),
      ],
      malformed: () => 'data: {"candidates": [{"content": {"parts": [{"text": \n\n',
    };
  }

  private sendError(res: ServerResponse, status: HttpErrorStatus, model: string, message?: string): void {
    const { status: sent, body } = geminiError(status, model, message);
    this.sendJson(res, sent, body);
  }
}

function usageMetadata(usage: { input: number; output: number }) {
  return {
    promptTokenCount: usage.input || SCRIPTED_INPUT_TOKENS,
    candidatesTokenCount: usage.output,
    totalTokenCount: usage.input + usage.output,
  };
}
