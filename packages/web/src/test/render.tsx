import { createLuminaClient } from '@lumina/sdk';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { LuminaClientProvider } from '../lib/lumina-client';

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
