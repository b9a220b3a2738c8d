import { ProviderError } from '../types.js';
import { httpProviderError, toProviderError } from './provider-errors.js';

export interface JsonRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * One JSON request to a provider's own API (model lists, Ollama), with a timeout over the whole
 * exchange and every failure turned into a ProviderError.
 * @example const tags = await requestJson<{ models: unknown[] }>('http://127.0.0.1:11434/api/tags', { timeoutMs: 5000 });
 */
export async function requestJson<T>(url: string, request: JsonRequest): Promise<T> {
  const text = await exchange(url, request, false, (response) => response.text());
  try {
    return JSON.parse(text) as T;
  } catch {
    // The text itself stays out: it may be some other service's page (docs/security.md).
    throw new ProviderError(
      'provider_protocol_error',
      'the provider answered something that is not JSON',
      false,
    );
  }
}

/**
 * Sends the request and returns the successful response with its body unread, for streams:
 * the timeout covers the headers only, the caller's signal the whole body.
 * @example const response = await openResponse(`${base}/api/pull`, { method: 'POST', body, timeoutMs: 10_000 });
 */
export function openResponse(url: string, request: JsonRequest): Promise<Response> {
  return exchange(url, request, true, async (response) => response);
}

async function exchange<T>(
  url: string,
  request: JsonRequest,
  streaming: boolean,
  read: (response: Response) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.timeoutMs);
  const onAbort = () => controller.abort();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (request.signal?.aborted) controller.abort();
    const response = await (request.fetch ?? globalThis.fetch)(url, {
      method: request.method ?? 'GET',
      headers: {
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: controller.signal,
    });
    if (!response.ok) throw httpProviderError(response.status, await response.text().catch(() => ''));
    return await read(response);
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    if (request.signal?.aborted) throw new ProviderError('cancelled', 'the request was cancelled', false);
    if (timedOut) {
      throw new ProviderError(
        'provider_timeout',
        `no answer from ${new URL(url).host} within ${request.timeoutMs} ms`,
        true,
      );
    }
    throw toProviderError(error);
  } finally {
    clearTimeout(timer);
    // A streamed body is still being read: the caller's signal must keep reaching it.
    if (!streaming) request.signal?.removeEventListener('abort', onAbort);
  }
}
