import { createLuminaClient, type LuminaClient } from '@lumina/sdk';
import { createContext, type ReactNode, useContext } from 'react';

const LuminaClientContext = createContext<LuminaClient | null>(null);

/** Makes the SDK client available to every page; tests pass one with a fake fetch. */
export function LuminaClientProvider({ client, children }: { client: LuminaClient; children: ReactNode }) {
  return <LuminaClientContext.Provider value={client}>{children}</LuminaClientContext.Provider>;
}

/** The SDK client for the same-origin Lumina server. */
export function useLuminaClient(): LuminaClient {
  const client = useContext(LuminaClientContext);
  if (!client) throw new Error('useLuminaClient must be used inside <LuminaClientProvider>');
  return client;
}

/** The client the browser app uses: same origin, session cookie auth. */
export function createBrowserClient(): LuminaClient {
  return createLuminaClient({ baseUrl: window.location.origin });
}
