import createClient, { type Middleware } from 'openapi-fetch';
import { LuminaApiError, LuminaNetworkError } from './errors.js';
import type { paths } from './schema.js';

export interface LuminaClientOptions {
  /** Server origin, e.g. http://127.0.0.1:8080. Empty string = same origin (the web app). */
  baseUrl?: string;
  /** A personal API token; omit in the browser, where the session cookie is used. */
  token?: string;
  fetch?: typeof globalThis.fetch;
  headers?: Record<string, string>;
}

/**
 * A typed client for the whole API, generated from openapi.json. Failed calls throw
 * `LuminaApiError` (status, code, requestId), so callers never inspect raw responses.
 * @example
 * const lumina = createLuminaClient({ baseUrl: 'http://127.0.0.1:8080' });
 * const { data } = await lumina.GET('/health');
 */
export function createLuminaClient(options: LuminaClientOptions = {}) {
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    credentials: 'include',
    headers: {
      // Marks requests as coming from Lumina's own code; the server refuses cookie-authenticated
      // changes without it (CSRF protection). Harmless with a bearer token.
      'x-lumina-csrf': '1',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    fetch: async (request: Request) => {
      try {
        return await baseFetch(request);
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        throw new LuminaNetworkError(`Cannot reach the Lumina server (${(err as Error).message})`);
      }
    },
  });
  client.use(throwOnError);
  return client;
}

export type LuminaClient = ReturnType<typeof createLuminaClient>;

/** Endpoints that answer 503 with a useful body (health) are still returned, not thrown. */
const BODY_ON_ERROR = new Set(['/health']);

const throwOnError: Middleware = {
  async onResponse({ response, schemaPath }) {
    if (response.ok || BODY_ON_ERROR.has(schemaPath)) return undefined;
    const text = await response.clone().text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    throw LuminaApiError.fromResponse(response, body);
  },
};
