import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ReceivedImage, WireImages } from './wire-images.js';

/**
 * What the next model call answers. Every protocol server plays these in its own wire format,
 * so one conformance suite can script the same situation for every vendor.
 */
export type ScriptedReply =
  /** A normal reply, one frame per token. `usage: false` leaves the token counts out. */
  | {
      kind: 'text';
      tokens: string[];
      /** The model's thinking, one frame per token, before the text (wires that stream it). */
      reasoning?: string[];
      delayMs?: number;
      usage?: boolean;
      finishReason?: 'stop' | 'length';
    }
  /** The model asks for one tool (input streamed in two halves where the wire allows it). */
  | { kind: 'tool-call'; toolName: string; input: unknown; callId?: string }
  /** The vendor's real error status and body (401 bad key, 404 unknown model, 429, 500, …). */
  | { kind: 'http-error'; status: 400 | 401 | 404 | 429 | 500; message?: string }
  /** `tokens`, then a frame that is not valid JSON, then the rest of a normal ending. */
  | { kind: 'malformed'; tokens: string[] }
  /** `tokens`, then the socket is destroyed without a proper end. */
  | { kind: 'cut'; tokens: string[] }
  /** Never answers (no headers at all); with `tokens`, goes silent after sending them. */
  | { kind: 'hang'; tokens?: string[] };

export type HttpErrorStatus = Extract<ScriptedReply, { kind: 'http-error' }>['status'];

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary vendor fields
  body: any;
  /** Resolves when the connection of this request closes, for whatever reason. */
  closed: Promise<void>;
  /** True when the client went away before the server finished its answer (an abort). */
  clientAborted: boolean;
}

/** The parts of a streamed answer that differ per vendor; the playback logic is shared. */
export interface StreamFrames {
  contentType: string;
  /** Frames sent before the first token (message_start, role chunk, …). */
  start(): string[];
  text(token: string, index: number): string[];
  /** A frame of thinking; absent where the wire has none scripted. */
  reasoning?(token: string): string[];
  toolCall(call: { id: string; name: string; input: unknown }): string[];
  /** Closing frames: finish reason and, when `usage` is given, the token counts. */
  end(finish: 'stop' | 'length' | 'tool-calls', usage: { input: number; output: number } | null): string[];
  /** A frame whose payload is not valid JSON. */
  malformed(): string;
}

/** Prompt tokens every scripted reply reports; any fixed number works for the tests. */
export const SCRIPTED_INPUT_TOKENS = 12;

/**
 * A real HTTP server on 127.0.0.1 that a test scripts and inspects. Subclasses route vendor
 * paths and describe their frames; this class records requests, picks the scripted reply and
 * plays streams, errors, cuts and hangs.
 */
export abstract class ProtocolServer {
  readonly requests: RecordedRequest[] = [];
  /** Played when the queue is empty. */
  defaultReply: ScriptedReply = { kind: 'text', tokens: ['Hello', ',', ' world', '!'] };
  private readonly queue: ScriptedReply[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => void this.receive(req, res));
  private baseUrl = '';

  constructor() {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** `http://127.0.0.1:<port>` once started. */
  get origin(): string {
    return this.baseUrl;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Queues replies for the next model calls, in order. */
  script(...replies: ScriptedReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** The last request whose path ends with `suffix`. */
  lastRequest(suffix = ''): RecordedRequest {
    const found = [...this.requests].reverse().find((r) => r.path.endsWith(suffix));
    if (!found)
      throw new Error(`no request to *${suffix} (got ${this.requests.map((r) => r.path).join(', ')})`);
    return found;
  }

  async close(): Promise<void> {
    // Hanging replies keep sockets open forever; a test server must not keep the run alive.
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * The pictures a chat request carried, read as the vendor's wire has them
   * (wire-images.ts); throws when the request carried them in a form the vendor refuses.
   */
  receivedImages(request: RecordedRequest): ReceivedImage[] {
    const read = this.wireImages(request.body);
    if ('error' in read) throw new Error(read.error);
    return read.images;
  }

  /** How this wire carries pictures; servers that take none answer that none arrived. */
  protected wireImages(_body: unknown): WireImages {
    return { images: [] };
  }

  /** Routes one request; answers 404 for unknown paths. */
  protected abstract handle(req: RecordedRequest, res: ServerResponse): Promise<void>;

  /** The next scripted reply (or the default). */
  protected nextReply(): ScriptedReply {
    return this.queue.shift() ?? this.defaultReply;
  }

  /** Consumes the next queued reply only when it is an HTTP error (for non-model calls). */
  protected takeScriptedError(): Extract<ScriptedReply, { kind: 'http-error' }> | null {
    const next = this.queue[0];
    if (next?.kind !== 'http-error') return null;
    this.queue.shift();
    return next;
  }

  protected sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /**
   * Plays a streamed reply with the vendor's frames. Errors and hangs are handled by the
   * caller before (they need the vendor's error body), so this covers text, tool calls,
   * malformed frames, cuts and silent-after-tokens hangs.
   */
  protected async playStream(
    req: RecordedRequest,
    res: ServerResponse,
    reply: Exclude<ScriptedReply, { kind: 'http-error' }>,
    frames: StreamFrames,
  ): Promise<void> {
    if (reply.kind === 'hang' && !reply.tokens) return; // no headers, no bytes
    res.writeHead(200, { 'content-type': frames.contentType, 'cache-control': 'no-cache' });
    // Streaming servers send headers at once; Node would otherwise hold them until the first token.
    res.flushHeaders();
    const write = (chunks: string[]) => {
      for (const chunk of chunks) if (!res.destroyed) res.write(chunk);
    };
    write(frames.start());
    if (reply.kind === 'tool-call') {
      write(frames.toolCall({ id: reply.callId ?? 'call_1', name: reply.toolName, input: reply.input }));
      write(frames.end('tool-calls', { input: SCRIPTED_INPUT_TOKENS, output: 9 }));
      res.end();
      return;
    }
    if (reply.kind === 'text' && reply.reasoning) {
      if (!frames.reasoning) throw new Error('this protocol server plays no reasoning');
      for (const token of reply.reasoning) write(frames.reasoning(token));
    }
    const tokens = reply.tokens ?? [];
    const delayMs = reply.kind === 'text' ? (reply.delayMs ?? 0) : 0;
    for (const [index, token] of tokens.entries()) {
      if (delayMs > 0) await sleep(delayMs);
      if (req.clientAborted || res.destroyed) return;
      write(frames.text(token, index));
    }
    if (reply.kind === 'hang') return; // headers and tokens sent, then silence
    if (reply.kind === 'cut') {
      // Let the tokens reach the client first, so the cut is "mid-way" and not "before".
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    if (reply.kind === 'malformed') {
      await sleep(10);
      write([frames.malformed()]);
      write(frames.text(' after', tokens.length));
    }
    const usage = reply.kind === 'text' && reply.usage === false ? null : tokenUsage(tokens);
    const finish = reply.kind === 'text' ? (reply.finishReason ?? 'stop') : 'stop';
    write(frames.end(finish, usage));
    res.end();
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: parseBody(raw),
      clientAborted: false,
      closed: new Promise((resolve) => {
        res.on('close', () => {
          if (!res.writableFinished) recorded.clientAborted = true;
          resolve();
        });
      }),
    };
    this.requests.push(recorded);
    try {
      await this.handle(recorded, res);
    } catch (error) {
      if (!res.headersSent) this.sendJson(res, 500, { error: String(error) });
    }
  }
}

export function tokenUsage(tokens: string[]): { input: number; output: number } {
  return { input: SCRIPTED_INPUT_TOKENS, output: tokens.length };
}

/** One Server-Sent Event, with an `event:` line when the vendor names its events. */
export function sseFrame(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ''}data: ${payload}\n\n`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A deterministic unit-length-ish vector, so embedding tests can check dimensions. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  return Array.from({ length: dimensions }, (_, i) => ((text.length + i) % 7) / 7);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
