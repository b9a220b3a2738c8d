/**
 * Speech by any OpenAI-compatible `POST /v1/audio/speech` endpoint (a cloud service, or a local
 * server speaking that API). Asks for WAV and yields PCM as the response streams in, so the
 * first audio leaves before the service has finished. `rate` is sent as `speed` (the API takes
 * 0.25–4, the same range); the API has no pitch, so `pitch` is not applied.
 */

import { endpointProbe, isLocalEndpoint } from './network-endpoint.js';
import { downmix, parseWavHeader, pcm16FromBytes } from './resample.js';
import { assertTtsOptions, type TtsError, ttsError } from './subprocess-tts.js';
import type { TtsChunk, TtsEngine, TtsOptions, TtsVoice } from './types.js';

/** The voices of OpenAI's speech API; another service names its own in `voices`. */
export const OPENAI_VOICES = ['alloy', 'ash', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer'];

export interface OpenAiAudioTtsOptions {
  id?: string;
  label?: string;
  /** Up to `/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** Default `tts-1`. */
  model?: string;
  /** The voices this service has (default OpenAI's); the first is the default. */
  voices?: string[];
  fetch: typeof fetch;
  /** Whole synthesis (default 60 s). */
  timeoutMs?: number;
}

export function createOpenAiAudioTts(options: OpenAiAudioTtsOptions): TtsEngine {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const voiceIds = options.voices ?? OPENAI_VOICES;
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const readiness = endpointProbe({ fetch: options.fetch, base, headers, service: 'speech service' });

  return {
    id: options.id ?? 'openai-tts',
    kind: 'tts',
    family: 'network',
    label: options.label ?? `Speech service (${new URL(base).host})`,
    remote: !isLocalEndpoint(base),
    readiness,
    async voices(): Promise<TtsVoice[]> {
      return voiceIds.map((id) => ({
        id,
        label: id.charAt(0).toUpperCase() + id.slice(1),
        language: null,
        gender: null,
      }));
    },
    async *synthesize(text: string, tts: TtsOptions): AsyncGenerator<TtsChunk> {
      assertTtsOptions(text, tts.rate, tts.pitch);
      const voice = tts.voice ?? voiceIds[0]!;
      if (!voiceIds.includes(voice))
        throw ttsError('voice_not_found', `The speech service has no voice ${voice}`);
      if (tts.signal?.aborted) return;
      const deadline = AbortSignal.timeout(timeoutMs);
      const signal = tts.signal ? AbortSignal.any([tts.signal, deadline]) : deadline;
      const failure = (err: unknown): TtsError => {
        if (deadline.aborted)
          return ttsError('tts_timeout', `The speech service did not finish within ${timeoutMs} ms`);
        const code = (err as { code?: string }).code;
        if (code?.startsWith('outbound_') || code === 'local_only')
          return ttsError(code, (err as Error).message);
        return ttsError('tts_engine_failed', 'The speech service could not be reached or stopped mid-answer');
      };
      let response: Response;
      try {
        response = await options.fetch(`${base}/audio/speech`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: options.model ?? 'tts-1',
            input: text,
            voice,
            response_format: 'wav',
            speed: tts.rate,
          }),
          signal,
        });
      } catch (err) {
        if (tts.signal?.aborted) return;
        throw failure(err);
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw ttsError(
          'tts_engine_failed',
          response.status === 401 || response.status === 403
            ? `The speech service refused the credentials (${response.status})`
            : `The speech service answered ${response.status}`,
        );
      }
      let pending = Buffer.alloc(0);
      let header: ReturnType<typeof parseWavHeader> = null;
      try {
        for await (const data of (response.body ?? []) as AsyncIterable<Uint8Array>) {
          pending = Buffer.concat([pending, data]);
          if (!header) {
            try {
              header = parseWavHeader(pending);
            } catch {
              throw ttsError('tts_engine_failed', 'The speech service did not send WAV audio');
            }
            if (!header) continue;
            pending = pending.subarray(header.dataOffset);
          }
          const frameBytes = 2 * header.channels;
          const usable = pending.length - (pending.length % frameBytes);
          if (usable === 0) continue;
          const samples = downmix(pcm16FromBytes(pending.subarray(0, usable)), header.channels);
          pending = pending.subarray(usable);
          yield { samples, sampleRate: header.sampleRate };
        }
      } catch (err) {
        if (tts.signal?.aborted) return;
        if ((err as TtsError).code === 'tts_engine_failed') throw err;
        throw failure(err);
      }
      if (!header) throw ttsError('tts_engine_failed', 'The speech service sent no audio');
    },
  };
}
