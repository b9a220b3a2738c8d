import type { Config } from '../config.js';
import { createCloudProvider } from './adapters/cloud-providers.js';
import { createOllamaProvider } from './adapters/ollama-provider.js';
import type { ProviderFactory } from './provider-registry.js';
import type { ModelProvider } from './types.js';

/** Extra providers built elsewhere (the embedded llama.cpp engine), by kind. */
export type ProviderFactoryExtensions = Partial<Record<'llama-cpp', () => ModelProvider>>;

/**
 * Builds the adapter for a provider spec: Ollama's native API, the embedded engine, or one of
 * the cloud adapters (Vercel AI SDK provider packages), all with the configured timeouts.
 */
export function createProviderFactory(
  config: Pick<Config, 'providerTimeouts'>,
  extensions: ProviderFactoryExtensions = {},
): ProviderFactory {
  const timeouts = config.providerTimeouts;
  return (spec) => {
    switch (spec.kind) {
      case 'ollama':
        return createOllamaProvider({
          id: spec.id,
          ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
          timeouts,
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
        });
    }
  };
}
