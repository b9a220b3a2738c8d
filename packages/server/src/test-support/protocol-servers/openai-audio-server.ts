import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createEspeakTts } from '../../voice/engines/espeak-tts.js';
import { decodeWav, encodeWav, pcm16ToBytes } from '../../voice/engines/resample.js';

/**
 * A local server speaking the OpenAI audio wire format (`POST /v1/audio/transcriptions`, which
 * whisper.cpp's server speaks too, and `POST /v1/audio/speech`), for the network voice engines'
 * tests. Transcriptions: multipart/form-data in, `{"text": …}` out (the scripted text). Speech:
 * JSON in, audio out — real speech from espeak-ng, sent as WAV (or raw 24 kHz-style PCM for
 * `response_format: "pcm"`) in chunks as it is produced. Errors, hangs and cut streams are
 * scripted per request; every request is recorded.
 */
export type AudioScript =
  | { kind: 'ok'; text?: string }
  | { kind: 'http-error'; status: 400 | 401 | 404 | 429 | 500; message?: string }
  /** Headers and part of the audio, then the socket is destroyed. */
  | { kind: 'cut' }
  /** Never answers. */
  | { kind: 'hang' };

export interface AudioRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Multipart fields (transcriptions) or the JSON body (speech). */
  fields: Record<string, string>;
  /** The uploaded file's bytes (transcriptions). */
  file?: { name: string; contentType: string; bytes: Buffer };
  clientAborted: boolean;
}

export class OpenAiAudioServer {
  readonly requests: AudioRequest[] = [];
  private readonly queue: AudioScript[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => void this.receive(req, res));
  private readonly espeak = createEspeakTts();
  /** What transcriptions answer when nothing is scripted (when no `transcriber` is set). */
  defaultText = 'hello from the server';
  /** Transcribes the upload for real (the tests pass pocketsphinx), like a whisper.cpp server. */
  transcriber: ((samples: Int16Array, sampleRate: number) => Promise<string>) | null = null;
  baseUrl = '';

  static async start(): Promise<OpenAiAudioServer> {
    const server = new OpenAiAudioServer();
    server.server.on('connection', (socket) => {
      server.sockets.add(socket);
      socket.on('close', () => server.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    server.baseUrl = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/v1`;
    return server;
  }

  script(...replies: AudioScript[]): void {
    this.queue.push(...replies);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0]!;
    const record: AudioRequest = { path, headers: req.headers, fields: {}, clientAborted: false };
    res.on('close', () => {
      if (!res.writableFinished) record.clientAborted = true;
    });
    this.requests.push(record);
    const script = this.queue.shift() ?? { kind: 'ok' };
    if (script.kind === 'hang') return;
    if (script.kind === 'http-error') {
      res.writeHead(script.status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: script.message ?? 'scripted error', type: 'invalid_request_error' },
        }),
      );
      return;
    }
    if (req.method === 'POST' && path === '/v1/audio/transcriptions') {
      const parsed = parseMultipart(body, req.headers['content-type'] ?? '');
      if (!parsed?.file) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'file is required' } }));
        return;
      }
      record.fields = parsed.fields;
      record.file = parsed.file;
      if (script.kind === 'cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"te');
        res.socket?.destroy();
        return;
      }
      let text = script.text ?? this.defaultText;
      if (script.text === undefined && this.transcriber) {
        const { samples, sampleRate } = decodeWav(parsed.file.bytes);
        text = await this.transcriber(samples, sampleRate);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text }));
      return;
    }
    if (req.method === 'POST' && path === '/v1/audio/speech') {
      const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      record.fields = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)]));
      const format = (json.response_format as string | undefined) ?? 'mp3';
      if (format !== 'wav' && format !== 'pcm') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `response_format ${format} is not served here` } }));
        return;
      }
      const speed = Number(json.speed ?? 1);
      res.writeHead(200, { 'content-type': format === 'wav' ? 'audio/wav' : 'audio/pcm' });
      let first = true;
      let sent = 0;
      for await (const chunk of this.espeak.synthesize(String(json.input ?? ''), {
        voice: null,
        rate: speed,
        pitch: 1,
      })) {
        if (first && format === 'wav') {
          // A streamed WAV: the header's sizes are unknown placeholders, as real servers send.
          const header = encodeWav(new Int16Array(0), chunk.sampleRate);
          header.writeUInt32LE(0xffffffff, 4);
          header.writeUInt32LE(0xffffffff, 40);
          res.write(header);
        }
        first = false;
        res.write(pcm16ToBytes(chunk.samples));
        sent += chunk.samples.length;
        if (script.kind === 'cut' && sent > 4000) {
          res.socket?.destroy();
          return;
        }
      }
      res.end();
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
  }
}

/** A small multipart/form-data reader (the test's own uploads: fields and one file). */
function parseMultipart(
  body: Buffer,
  contentType: string,
): { fields: Record<string, string>; file?: AudioRequest['file'] } | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const fields: Record<string, string> = {};
  let file: AudioRequest['file'];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(at + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    const content = part.subarray(split + 4);
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? '';
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    if (filename !== undefined) {
      const type = /content-type:\s*(\S+)/i.exec(head)?.[1] ?? 'application/octet-stream';
      file = { name: filename, contentType: type, bytes: Buffer.from(content) };
    } else {
      fields[name] = content.toString('utf8');
    }
    at = next;
  }
  return { fields, file };
}

/** The audio a transcription request carried, decoded (tests compare it with what was written). */
export function uploadedAudio(request: AudioRequest): { samples: Int16Array; sampleRate: number } {
  if (!request.file) throw new Error('no file in the request');
  return decodeWav(request.file.bytes);
}
