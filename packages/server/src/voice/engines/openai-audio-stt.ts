/**
 * Speech recognition by any OpenAI-compatible `POST /v1/audio/transcriptions` endpoint: a cloud
 * service, or whisper.cpp's server on this machine (`--inference-path /v1/audio/transcriptions`).
 * Not streaming: the utterance is buffered and sent as one WAV on `finish` (no partials), which
 * the pipeline knows from `streaming: false`.
 *
 * Requests go through the guarded outbound client the caller passes (its `fetch`). An endpoint
 * on this machine or the local network is `remote: false`; anything else is remote and refused
 * in local-only mode by the registry.
 */

import { endpointProbe, isLocalEndpoint } from './network-endpoint.js';
import { type SttError, sttError } from './pocketsphinx-stt.js';
import { encodeWav } from './resample.js';
import { PIPELINE_SAMPLE_RATE, type SttEngine, type SttStream } from './types.js';

export interface OpenAiAudioSttOptions {
  /** Engine id (default `openai-stt`); several endpoints may be registered under their own ids. */
  id?: string;
  label?: string;
  /** Up to `/v1`: `http://127.0.0.1:8080/v1`, `https://api.openai.com/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** Default `whisper-1`; whisper.cpp ignores it. */
  model?: string;
  /** The guarded outbound client's fetch (tests may pass the global one for loopback). */
  fetch: typeof fetch;
  /** Per transcription (default 30 s). */
  timeoutMs?: number;
  /** Longest utterance kept (default 120 s); more fails the stream with `stt_overloaded`. */
  maxSeconds?: number;
}

export function createOpenAiAudioStt(options: OpenAiAudioSttOptions): SttEngine {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxSamples = (options.maxSeconds ?? 120) * PIPELINE_SAMPLE_RATE;
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const readiness = endpointProbe({ fetch: options.fetch, base, headers, service: 'transcription service' });

  async function transcribe(
    samples: Int16Array,
    language: string | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    const boundary = `lumina-${crypto.randomUUID()}`;
    const field = (name: string, value: string) =>
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    const parts = [
      field('model', options.model ?? 'whisper-1'),
      field('response_format', 'json'),
      ...(language ? [field('language', language.slice(0, 2).toLowerCase())] : []),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="speech.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
      ),
      encodeWav(samples, PIPELINE_SAMPLE_RATE),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ];
    let response: Response;
    try {
      response = await options.fetch(`${base}/audio/transcriptions`, {
        method: 'POST',
        headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: Buffer.concat(parts),
        signal,
      });
    } catch (err) {
      throw networkError(err, signal);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      // The service's own words stay out: only the status, in ours.
      throw sttError(
        'stt_engine_failed',
        response.status === 401 || response.status === 403
          ? `The transcription service refused the credentials (${response.status})`
          : `The transcription service answered ${response.status}`,
      );
    }
    let body: { text?: unknown };
    try {
      body = (await response.json()) as { text?: unknown };
    } catch (err) {
      throw networkError(err, signal, 'The transcription service sent a broken answer');
    }
    if (typeof body.text !== 'string')
      throw sttError('stt_engine_failed', 'The transcription service sent no text');
    return body.text.trim();
  }

  function networkError(err: unknown, signal: AbortSignal, fallback?: string): SttError {
    if (signal.aborted)
      return sttError('stt_timeout', `The transcription service did not answer within ${timeoutMs} ms`);
    const code = (err as { code?: string }).code;
    if (code?.startsWith('outbound_') || code === 'local_only') return sttError(code, (err as Error).message);
    return sttError('stt_engine_failed', fallback ?? 'The transcription service could not be reached');
  }

  return {
    id: options.id ?? 'openai-stt',
    kind: 'stt',
    family: 'network',
    label: options.label ?? `Transcription service (${new URL(base).host})`,
    remote: !isLocalEndpoint(base),
    streaming: false,
    readiness,
    async open({ language, signal }) {
      return new BufferedStream(
        maxSamples,
        (samples, finishSignal) =>
          transcribe(samples, language, AbortSignal.any([finishSignal, AbortSignal.timeout(timeoutMs)])),
        signal,
      );
    },
  };
}

/** Collects one utterance, sends it on `finish`; `close` aborts a request in flight. */
class BufferedStream implements SttStream {
  private parts: Int16Array[] = [];
  private samples = 0;
  private closed = false;
  private failed: SttError | null = null;
  private readonly errorListeners: Array<(error: Error & { code?: string }) => void> = [];
  private readonly controller = new AbortController();

  constructor(
    private readonly maxSamples: number,
    private readonly send: (samples: Int16Array, signal: AbortSignal) => Promise<string>,
    signal?: AbortSignal,
  ) {
    if (signal?.aborted) this.close();
    else signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  write(samples: Int16Array): void {
    if (this.closed || this.failed || samples.length === 0) return;
    this.samples += samples.length;
    if (this.samples > this.maxSamples) {
      this.failed = sttError(
        'stt_overloaded',
        'The utterance is longer than the transcription service takes',
      );
      this.parts = [];
      for (const listener of this.errorListeners) listener(this.failed);
      return;
    }
    this.parts.push(samples.slice());
  }

  onPartial(): void {
    // Not streaming: no partials.
  }

  onError(listener: (error: Error & { code?: string }) => void): void {
    this.errorListeners.push(listener);
  }

  async finish(): Promise<string> {
    if (this.failed) throw this.failed;
    if (this.closed || this.samples === 0) return '';
    const audio = new Int16Array(this.samples);
    let offset = 0;
    for (const part of this.parts) {
      audio.set(part, offset);
      offset += part.length;
    }
    this.parts = [];
    this.samples = 0;
    try {
      return await this.send(audio, this.controller.signal);
    } catch (err) {
      if (this.closed) return '';
      const error = err as SttError;
      for (const listener of this.errorListeners) listener(error);
      throw error;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.parts = [];
    this.controller.abort();
  }
}
