import type { Config } from '../config.js';
import { createOutboundClient, type OutboundClient } from '../net/outbound-client.js';
import { PROVIDER_LIMITS } from '../net/outbound-limits.js';
import { createCloudProvider } from './adapters/cloud-providers.js';
import { createOllamaProvider } from './adapters/ollama-provider.js';
import type { ProviderFactory } from './provider-registry.js';
import type { ModelProvider } from './types.js';

/** Extra providers built elsewhere (the embedded llama.cpp engine), by kind. */
export type ProviderFactoryExtensions = Partial<Record<'llama-cpp', () => ModelProvider>>;

/**
 * Builds the adapter for a provider spec: Ollama's native API, the embedded engine, or one of
 * the cloud adapters (Vercel AI SDK provider packages), all with the configured timeouts and
 * every request through the guarded outbound client, with the trust of whoever aimed the spec.
 */
export function createProviderFactory(
  config: Pick<Config, 'providerTimeouts'>,
  extensions: ProviderFactoryExtensions = {},
  outbound: OutboundClient = createOutboundClient(),
): ProviderFactory {
  const timeouts = config.providerTimeouts;
  return (spec) => {
    const trust = spec.trusted ? 'trusted' : 'untrusted';
    const fetch = outbound.fetch(trust, PROVIDER_LIMITS);
    switch (spec.kind) {
      case 'ollama':
        return createOllamaProvider({
          id: spec.id,
          ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
          timeouts,
          fetch,
        });
      case 'llama-cpp': {
        const make = extensions['llama-cpp'];
        if (!make) throw new Error('The embedded engine is not configured');
        return make();
      }
      default:
        return createCloudProvider({
          id: spec.id,
          kind: spec.kind,
          ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
          ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
          timeouts,
          fetch,
          // The OpenAI wire's chat streams: the same guarded client, as Node streams.
          request: outbound.request(trust, PROVIDER_LIMITS),
        });
    }
  };
}
