import { createLuminaClient } from '@lumina/sdk';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createMemoryRouter, MemoryRouter, RouterProvider } from 'react-router';
import { vi } from 'vitest';
import { createAppState } from '../app';
import { LuminaClientProvider } from '../lib/lumina-client';
import { routes } from '../routes';

/**
 * Renders `ui` with the app's providers. `fetch` replaces the network under the real SDK
 * client, so pages run their real data code against canned server answers.
 */
export function renderWithApp(
  ui: ReactElement,
  { fetch, path = '/' }: { fetch: typeof globalThis.fetch; path?: string },
) {
  const client = createLuminaClient({ baseUrl: 'http://lumina.test', fetch });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <LuminaClientProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
      </QueryClientProvider>
    </LuminaClientProvider>,
  );
}

/** A fetch that answers every request with `body` as JSON. */
export function jsonFetch(body: unknown, init: ResponseInit = {}): typeof globalThis.fetch {
  return async () =>
    new Response(JSON.stringify(body), {
      status: 200,
      ...init,
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-test', ...init.headers },
    });
}

/**
 * Renders the whole app (routes, layout, guards, the session-ended handler) at `path`, on a
 * memory router, with `fetch` in place of the network.
 */
export function renderApp({ fetch, path = '/' }: { fetch: typeof globalThis.fetch; path?: string }) {
  const client = createLuminaClient({ baseUrl: 'http://lumina.test', fetch });
  const { router, queryClient } = createAppState(routes, (routeObjects) =>
    createMemoryRouter(routeObjects, { initialEntries: [path] }),
  );
  const view = render(
    <LuminaClientProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </LuminaClientProvider>,
  );
  return { ...view, router, queryClient };
}

type Handler = (request: Request) => unknown | Promise<unknown>;

/** A JSON response with a status; handlers return it to answer other than 200. */
export function reply(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': 'req-test' },
  });
}

/** The error body the server sends. */
export function apiError(status: number, code: string, message: string, details?: Record<string, unknown>) {
  return reply(status, { error: { code, message, ...(details ? { details } : {}), requestId: 'req-test' } });
}

/**
 * A fake server: `routes` maps "METHOD /path" to a handler whose return value is sent as JSON
 * (or as is, when it is a Response). Unknown routes answer 404, and every request is recorded.
 * @example fakeApi({ 'GET /api/auth/me': () => ({ user }) })
 */
export function fakeApi(routes: Record<string, Handler>) {
  const requests: { method: string; path: string; body: unknown }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const path = new URL(request.url).pathname;
    const text = await request.clone().text();
    // JSON bodies are recorded parsed; uploads (pictures, files) as their text.
    const json = !/^(image|application\/octet-stream|multipart)\b/.test(
      request.headers.get('content-type') ?? '',
    );
    requests.push({
      method: request.method,
      path,
      body: text ? (json ? JSON.parse(text) : text) : undefined,
    });
    const handler =
      routes[`${request.method} ${path}`] ??
      Object.entries(routes).find(([key]) => {
        const [method, pattern] = key.split(' ') as [string, string];
        return method === request.method && pattern.endsWith('/*') && path.startsWith(pattern.slice(0, -1));
      })?.[1];
    if (!handler) return apiError(404, 'route_not_found', `No route ${request.method} ${path}`);
    const result = await handler(request);
    return result instanceof Response ? result : reply(200, result);
  }) as unknown as typeof globalThis.fetch;
  return { fetch, requests };
}
