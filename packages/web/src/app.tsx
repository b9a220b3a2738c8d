import type { LuminaClient } from '@lumina/sdk';
import { LuminaApiError } from '@lumina/sdk';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { LuminaClientProvider } from './lib/lumina-client';
import { routes } from './routes';

/** Client errors (4xx) will not fix themselves; network blips and 5xx get one more try. */
export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failureCount, error) =>
          failureCount < 1 && !(error instanceof LuminaApiError && error.status < 500),
        refetchOnWindowFocus: true,
      },
    },
  });
}

/** The whole app with its providers; `client` is the SDK client every page talks through. */
export function App({ client }: { client: LuminaClient }) {
  const [queryClient] = useState(createQueryClient);
  const [router] = useState(() => createBrowserRouter(routes));
  return (
    <LuminaClientProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </LuminaClientProvider>
  );
}
