import { DEFAULT_OLLAMA_URL } from './provider-spec.js';

/**
 * Looks for an Ollama on its default port, so a newcomer who runs Ollama gets it without any
 * configuration. One quick request; nothing is sent but `GET /api/version`.
 * @example const url = await detectOllama(); // 'http://127.0.0.1:11434' or undefined
 */
export async function detectOllama(
  baseUrl = DEFAULT_OLLAMA_URL,
  timeoutMs = 800,
): Promise<string | undefined> {
  try {
    const res = await fetch(new URL('/api/version', baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { version?: unknown };
    return typeof body.version === 'string' ? baseUrl : undefined;
  } catch {
    return undefined;
  }
}
