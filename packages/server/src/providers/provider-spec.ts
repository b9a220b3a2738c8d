import type { Config } from '../config.js';
import type { ProviderKind } from './types.js';

/** Everything needed to construct a provider, from the environment or from a user's settings. */
export interface ProviderSpec {
  /** The prefix of its model ids: `ollama`, `openai`, … for system providers, a UUID for users'. */
  id: string;
  kind: ProviderKind;
  name: string;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  scope: 'system' | 'user';
  /**
   * Aimed by someone trusted with the network: the operator (environment) or an administrator's
   * own entry. Trusted providers may reach private addresses; others only public ones and the
   * allow-list (docs/security.md, "Outbound requests").
   */
  trusted: boolean;
}

export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';
export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434';

/** The providers configured through environment variables, for every user of the instance. */
export function systemProviderSpecs(
  config: Pick<Config, 'providers'>,
  detectedOllamaUrl?: string,
): ProviderSpec[] {
  const p = config.providers;
  const specs: ProviderSpec[] = [];
  const ollama = p.ollamaBaseUrl ?? detectedOllamaUrl;
  if (ollama)
    specs.push({
      id: 'ollama',
      kind: 'ollama',
      name: 'Ollama',
      baseUrl: ollama,
      scope: 'system',
      trusted: true,
    });
  if (p.openaiApiKey) {
    specs.push({
      id: 'openai',
      kind: 'openai',
      name: 'OpenAI',
      apiKey: p.openaiApiKey,
      baseUrl: p.openaiBaseUrl,
      scope: 'system',
      trusted: true,
    });
  }
  if (p.anthropicApiKey)
    specs.push({
      id: 'anthropic',
      kind: 'anthropic',
      name: 'Anthropic',
      apiKey: p.anthropicApiKey,
      scope: 'system',
      trusted: true,
    });
  if (p.googleApiKey)
    specs.push({
      id: 'google',
      kind: 'google',
      name: 'Google Gemini',
      apiKey: p.googleApiKey,
      scope: 'system',
      trusted: true,
    });
  if (p.openrouterApiKey) {
    specs.push({
      id: 'openrouter',
      kind: 'openai-compatible',
      name: 'OpenRouter',
      apiKey: p.openrouterApiKey,
      baseUrl: OPENROUTER_BASE_URL,
      scope: 'system',
      trusted: true,
    });
  }
  if (p.groqApiKey)
    specs.push({
      id: 'groq',
      kind: 'groq',
      name: 'Groq',
      apiKey: p.groqApiKey,
      scope: 'system',
      trusted: true,
    });
  if (p.mistralApiKey)
    specs.push({
      id: 'mistral',
      kind: 'mistral',
      name: 'Mistral',
      apiKey: p.mistralApiKey,
      scope: 'system',
      trusted: true,
    });
  return specs;
}

const ALWAYS_LOCAL: ProviderKind[] = ['ollama', 'llama-cpp'];
const ALWAYS_CLOUD: ProviderKind[] = ['openai', 'anthropic', 'google', 'groq', 'mistral'];

/**
 * Whether a provider keeps data on this machine or network. Vendor kinds are cloud even with a
 * custom base URL (that is a proxy to the vendor); an OpenAI-compatible server is local when
 * its host is loopback, a private address or a `.local`/`.lan` name.
 */
export function isLocalSpec(spec: Pick<ProviderSpec, 'kind' | 'baseUrl'>): boolean {
  if (ALWAYS_LOCAL.includes(spec.kind)) return true;
  if (ALWAYS_CLOUD.includes(spec.kind) || !spec.baseUrl) return false;
  return isLocalHost(new URL(spec.baseUrl).hostname);
}

export function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.lan'))
    return true;
  if (host === '::1' || host.startsWith('fc') || host.startsWith('fd') || host.startsWith('fe80'))
    return host.includes(':');
  const octets = host.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o))) return false;
  const [a, b] = octets as [number, number, number, number];
  return (
    a === 127 ||
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
}
