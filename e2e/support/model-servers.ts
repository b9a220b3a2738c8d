import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// Test support from the server package: real wire-format servers for Ollama and OpenAI.
import { OllamaServer } from '../../packages/server/src/test-support/protocol-servers/ollama-server.js';
import { OpenAiServer } from '../../packages/server/src/test-support/protocol-servers/openai-server.js';
import type { RecordedRequest } from '../../packages/server/src/test-support/protocol-servers/protocol-server.js';

/**
 * Ollama's native API on 127.0.0.1 (tags, show, chat NDJSON, pull progress), plus
 * `GET /api/version`; a pulled model joins the tags list, as with the real Ollama.
 */
export class OllamaE2eServer extends OllamaServer {
  constructor() {
    super();
    this.models = [
      { name: 'llama3.2:1b', family: 'llama', contextLength: 131_072, capabilities: ['completion', 'tools'] },
    ];
    this.defaultReply = {
      kind: 'text',
      tokens: ['Hello', ',', ' I am', ' a', ' local', ' model', '.'],
      delayMs: 40,
    };
    this.pull = { total: 1_320_000_000, steps: 8, delayMs: 300 };
  }

  protected override async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.path === '/api/version')
      return this.sendJson(res, 200, { version: '0.6.2' });
    // The memory-extract job runs after every reply (docs/memory.md, "Extraction"), on its own
    // schedule: it answers "nothing to remember" here, so it never takes a reply a test scripted
    // for the chat or the title.
    const schema = req.body?.format?.properties;
    if (req.path === '/api/chat' && req.body?.stream === false && (schema?.memories || schema?.decisions)) {
      return this.sendJson(res, 200, {
        model: req.body.model,
        created_at: '2026-01-01T00:00:00Z',
        message: {
          role: 'assistant',
          content: JSON.stringify(schema.memories ? { memories: [] } : { decisions: [] }),
        },
        done: true,
        done_reason: 'stop',
        prompt_eval_count: 40,
        eval_count: 8,
      });
    }
    await super.handle(req, res);
    const name: string = req.body?.model ?? '';
    if (req.path === '/api/pull' && name && !name.startsWith('missing') && !req.clientAborted) {
      const tag = name.includes(':') ? name : `${name}:latest`;
      if (!this.models.some((m) => m.name === tag))
        this.models.push({ name: tag, family: 'qwen2', contextLength: 32_768, capabilities: ['completion'] });
    }
  }
}

/** The OpenAI API that accepts one key only: any other gets OpenAI's real 401 body. */
export class KeyCheckingOpenAiServer extends OpenAiServer {
  constructor(readonly goodKey: string) {
    super('openai');
    this.models = [{ id: 'gpt-4o-mini' }];
  }

  protected override async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.goodKey}`) {
      const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      return this.sendJson(res, 401, {
        error: {
          message: `Incorrect API key provided: ${key.slice(0, 3)}***. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
    }
    return super.handle(req, res);
  }
}

/**
 * Serves one fake GGUF file slowly over http on 127.0.0.1 (loopback http is allowed for model
 * downloads), so the download's progress bar has something to show.
 */
export async function startModelFileServer(options: {
  fileName: string;
  sizeBytes: number;
  durationMs: number;
}) {
  const body = Buffer.alloc(options.sizeBytes);
  body.write('GGUF', 0, 'ascii');
  const chunks = 20;
  const server = http.createServer(async (req, res) => {
    if (req.url !== `/${options.fileName}`) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    const size = Math.ceil(body.length / chunks);
    for (let i = 0; i < body.length && !res.destroyed; i += size) {
      res.write(body.subarray(i, i + size));
      await new Promise((resolve) => setTimeout(resolve, options.durationMs / chunks));
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${options.fileName}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
