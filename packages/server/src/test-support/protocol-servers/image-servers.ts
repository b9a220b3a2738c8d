import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { ProtocolServer, type RecordedRequest, type ScriptedReply } from './protocol-server.js';

/*
 * Image services as tests meet them: each speaks its real wire format on 127.0.0.1 and plays
 * the scripted replies — `text` draws a picture (Automatic1111 can be held mid-drawing), `http-error` answers with the service's own
 * error body, `malformed` sends something that is not an image, `hang` never answers and
 * `cut` drops the connection.
 */

let picture: Promise<Buffer> | undefined;

/** A real 64×64 PNG (a purple square), as a service would draw it. */
export function testPicture(): Promise<Buffer> {
  picture ??= sharp({ create: { width: 64, height: 64, channels: 3, background: '#7c3aed' } })
    .png()
    .toBuffer();
  return picture;
}

/** Shared playback of the failure replies; returns true when the reply was handled. */
function playFailure(
  reply: ScriptedReply,
  res: ServerResponse,
  errorBody: (status: number, message: string) => unknown,
  send: (status: number, body: unknown) => void,
): boolean {
  if (reply.kind === 'http-error') {
    send(reply.status, errorBody(reply.status, reply.message ?? 'The scripted failure'));
    return true;
  }
  if (reply.kind === 'hang') return true; // no headers, no bytes
  if (reply.kind === 'cut') {
    res.socket?.destroy();
    return true;
  }
  return false;
}

/** `POST /v1/images/generations` → `{ created, data: [{ b64_json }] }` (OpenAI and compatible servers). */
export class OpenAiImagesServer extends ProtocolServer {
  protected async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.path !== '/v1/images/generations') {
      return this.sendJson(res, 404, {
        error: { message: `Unknown path ${req.path}`, type: 'invalid_request_error' },
      });
    }
    if (req.headers.authorization !== 'Bearer sk-test') {
      return this.sendJson(res, 401, {
        error: {
          message: 'Incorrect API key provided',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
    }
    const reply = this.nextReply();
    const errorBody = (status: number, message: string) => ({
      error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null },
    });
    if (playFailure(reply, res, errorBody, (s, b) => this.sendJson(res, s, b))) return;
    const b64 = reply.kind === 'malformed' ? 'bm90IGFuIGltYWdl' : (await testPicture()).toString('base64');
    this.sendJson(res, 200, {
      created: 1_700_000_000,
      data: [{ b64_json: b64, revised_prompt: req.body?.prompt }],
    });
  }
}

/** Automatic1111's `POST /sdapi/v1/txt2img` → `{ images: [base64 PNG], parameters, info }`. */
export class Automatic1111Server extends ProtocolServer {
  private drawing: Promise<void> | undefined;

  /**
   * Holds every drawing from now on until the returned function is called, so a test can act
   * while the service is busy (see `requests` for when a request has arrived).
   * @example const finish = server.hold(); …; finish();
   */
  hold(): () => void {
    let finish!: () => void;
    this.drawing = new Promise((resolve) => {
      finish = resolve;
    });
    return () => {
      this.drawing = undefined;
      finish();
    };
  }

  protected async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.path !== '/sdapi/v1/txt2img') {
      return this.sendJson(res, 404, { detail: 'Not Found' });
    }
    const reply = this.nextReply();
    // FastAPI's error shapes: 422 lists validation problems, 500 carries the Python error.
    const errorBody = (status: number, message: string) =>
      status === 422
        ? { detail: [{ loc: ['body', 'prompt'], msg: message, type: 'value_error' }] }
        : { error: 'RuntimeError', detail: '', body: '', errors: message };
    if (playFailure(reply, res, errorBody, (s, b) => this.sendJson(res, s, b))) return;
    if (this.drawing) await this.drawing;
    const image =
      reply.kind === 'malformed' ? '%%% not base64 %%%' : (await testPicture()).toString('base64');
    this.sendJson(res, 200, { images: [image], parameters: req.body ?? {}, info: '{"seed": 1}' });
  }
}

/**
 * ComfyUI: `POST /prompt` → `{ prompt_id, number, node_errors }`; `GET /history/{id}` → `{}` until
 * the run is done (after `pendingPolls` asks), then the outputs; `GET /view?filename=…` → the PNG;
 * `POST /interrupt` is recorded.
 */
export class ComfyUiServer extends ProtocolServer {
  /** How many history polls answer "still running" before the result. */
  pendingPolls = 2;
  private readonly runs = new Map<string, { reply: ScriptedReply; polls: number }>();
  private next = 0;

  protected async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (req.method === 'POST' && req.path === '/prompt') return this.enqueue(res);
    if (req.method === 'GET' && req.path.startsWith('/history/')) return this.history(req, res);
    if (req.method === 'GET' && req.path === '/view') {
      if (req.query.get('filename') !== 'lumina-avatar_00001_.png') return this.sendJson(res, 404, {});
      const png = await testPicture();
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
      res.end(png);
      return;
    }
    if (req.method === 'POST' && req.path === '/interrupt') return this.sendJson(res, 200, {});
    this.sendJson(res, 404, {});
  }

  private enqueue(res: ServerResponse) {
    const reply = this.nextReply();
    if (reply.kind === 'http-error') {
      // ComfyUI refuses a graph it cannot run with 400 and the node errors.
      return this.sendJson(res, reply.status, {
        error: {
          type: 'prompt_outputs_failed_validation',
          message: reply.message ?? 'Prompt outputs failed validation',
          details: '',
        },
        node_errors: {},
      });
    }
    if (reply.kind === 'cut') {
      res.socket?.destroy();
      return;
    }
    const id = `run-${++this.next}`;
    this.runs.set(id, { reply, polls: 0 });
    this.sendJson(res, 200, { prompt_id: id, number: this.next, node_errors: {} });
  }

  private history(req: RecordedRequest, res: ServerResponse) {
    const id = decodeURIComponent(req.path.slice('/history/'.length));
    const run = this.runs.get(id);
    if (!run || run.reply.kind === 'hang' || run.polls++ < this.pendingPolls)
      return this.sendJson(res, 200, {});
    const failed = run.reply.kind === 'malformed';
    this.sendJson(res, 200, {
      [id]: {
        prompt: [this.next, id, {}, {}, ['7']],
        outputs: failed
          ? {}
          : { '7': { images: [{ filename: 'lumina-avatar_00001_.png', subfolder: '', type: 'output' }] } },
        status: failed
          ? {
              status_str: 'error',
              completed: false,
              messages: [['execution_error', { node_id: '5', exception_message: 'CUDA out of memory' }]],
            }
          : { status_str: 'success', completed: true, messages: [] },
      },
    });
  }
}
