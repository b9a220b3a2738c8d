import { isLocalHost } from '../../providers/provider-spec.js';
import type { EngineReadiness } from './types.js';

/** How long a readiness answer of a network engine is reused. */
const PROBE_CACHE_MS = 30_000;
const PROBE_TIMEOUT_MS = 5_000;

/** Whether a base URL points at this machine (a network engine that is still local). */
export function isLocalEndpoint(baseUrl: string): boolean {
  return isLocalHost(new URL(baseUrl).hostname);
}

/**
 * The readiness of a network speech engine (OpenAI-compatible audio, whisper.cpp's server):
 * reachable means any HTTP answer from its base URL (whisper.cpp has no model list), asked
 * through the guarded client at most every 30 s.
 * @example const readiness = endpointProbe({ fetch, base, headers, service: 'transcription service' });
 */
export function endpointProbe(options: {
  fetch: typeof fetch;
  /** The engine's base URL, without a trailing slash. */
  base: string;
  headers: Record<string, string>;
  /** What the engine is called in the "does not answer" sentence. */
  service: string;
}): () => Promise<EngineReadiness> {
  let probe: { at: number; value: Promise<EngineReadiness> } | null = null;
  return () => {
    if (!probe || Date.now() - probe.at > PROBE_CACHE_MS) {
      probe = {
        at: Date.now(),
        value: options
          .fetch(options.base, {
            method: 'GET',
            headers: options.headers,
            signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
          })
          .then(async (response): Promise<EngineReadiness> => {
            await response.body?.cancel().catch(() => {});
            return { ready: true };
          })
          .catch(
            (): EngineReadiness => ({
              ready: false,
              code: 'engine_unreachable',
              detail: `The ${options.service} at ${new URL(options.base).host} does not answer`,
            }),
          ),
      };
    }
    return probe.value;
  };
}
