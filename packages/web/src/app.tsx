import type { LuminaClient } from '@lumina/sdk';
import { LuminaApiError } from '@lumina/sdk';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { LuminaClientProvider } from './lib/lumina-client';
import { SESSION_QUERY_KEY } from './lib/session';
import { endsSession, handleSessionEnded } from './lib/session-ended';
import { routes } from './routes';

/**
 * Client errors (4xx) will not fix themselves; network blips and 5xx get one more try. A 401
 * that ends the session, from any query or mutation, goes to `onSessionEnded`.
 */
export function createQueryClient(onSessionEnded?: (error: LuminaApiError) => void) {
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        const fromSessionQuery =
          query.queryKey[0] === SESSION_QUERY_KEY[0] && query.queryKey[1] === SESSION_QUERY_KEY[1];
        if (endsSession(error, queryClient, fromSessionQuery)) onSessionEnded?.(error as LuminaApiError);
      },
    }),
    mutationCache: new MutationCache({
      onError: (error) => {
        if (endsSession(error, queryClient, false)) onSessionEnded?.(error as LuminaApiError);
      },
    }),
    defaultOptions: {
      queries: {
        retry: (failureCount, error) =>
          failureCount < 1 && !(error instanceof LuminaApiError && error.status < 500),
        refetchOnWindowFocus: true,
      },
    },
  });
  return queryClient;
}

/** The router and the query cache, wired so that an ended session leads to the sign-in page. */
export function createAppState(routeObjects = routes, createRouter = createBrowserRouter) {
  const router = createRouter(routeObjects);
  const queryClient = createQueryClient((error) => handleSessionEnded(queryClient, router, error));
  return { router, queryClient };
}

/** The whole app with its providers; `client` is the SDK client every page talks through. */
export function App({ client }: { client: LuminaClient }) {
  const [{ router, queryClient }] = useState(() => createAppState());
  return (
    <LuminaClientProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </LuminaClientProvider>
  );
}
