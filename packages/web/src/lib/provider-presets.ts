import type { Provider, ProviderKind } from './models';

/** A starting point in the "Add a provider" dialog: a kind with helpful defaults. */
export interface ProviderPreset {
  id: string;
  /** What the kind select shows. */
  label: string;
  kind: ProviderKind;
  /** The name the new provider gets unless the person types another. */
  name: string;
  /** Pre-filled base URL (local servers, OpenRouter, Together); empty = the vendor's own. */
  baseUrl: string;
  /** Whether the base URL field is needed ('required'), may be changed ('optional') or hidden. */
  url: 'required' | 'optional';
  key: 'required' | 'optional' | 'none';
  group: 'local' | 'cloud';
  /** One line under the select: what this is and what to have ready. */
  help: string;
  /** Where to get a key, for cloud services. */
  keyHelp?: string;
  keyPlaceholder?: string;
}

export const PROVIDER_PRESETS: ProviderPreset[] = [
  {
    id: 'ollama',
    label: 'Ollama',
    kind: 'ollama',
    name: 'Ollama',
    baseUrl: 'http://127.0.0.1:11434',
    url: 'required',
    key: 'none',
    group: 'local',
    help: 'Runs open models on your computer. Install it from ollama.com and keep it running.',
  },
  {
    id: 'lm-studio',
    label: 'LM Studio',
    kind: 'openai-compatible',
    name: 'LM Studio',
    baseUrl: 'http://127.0.0.1:1234/v1',
    url: 'required',
    key: 'optional',
    group: 'local',
    help: 'Start the local server in LM Studio’s Developer tab, then load a model.',
  },
  {
    id: 'llama-server',
    label: 'llama.cpp server',
    kind: 'openai-compatible',
    name: 'llama.cpp server',
    baseUrl: 'http://127.0.0.1:8081/v1',
    url: 'required',
    key: 'optional',
    group: 'local',
    help: 'Start it with llama-server -m model.gguf --port 8081 (8080 is Lumina’s own default port).',
  },
  {
    id: 'vllm',
    label: 'vLLM',
    kind: 'openai-compatible',
    name: 'vLLM',
    baseUrl: 'http://127.0.0.1:8000/v1',
    url: 'required',
    key: 'optional',
    group: 'local',
    help: 'vllm serve <model> answers on port 8000; add the key if you started it with --api-key.',
  },
  {
    id: 'openai',
    label: 'OpenAI',
    kind: 'openai',
    name: 'OpenAI',
    baseUrl: '',
    url: 'optional',
    key: 'required',
    group: 'cloud',
    help: 'GPT models. Requests and replies go to OpenAI.',
    keyHelp: 'Create a key at platform.openai.com → API keys.',
    keyPlaceholder: 'sk-…',
  },
  {
    id: 'anthropic',
    label: 'Anthropic',
    kind: 'anthropic',
    name: 'Anthropic',
    baseUrl: '',
    url: 'optional',
    key: 'required',
    group: 'cloud',
    help: 'Claude models. Requests and replies go to Anthropic.',
    keyHelp: 'Create a key at console.anthropic.com → API keys.',
    keyPlaceholder: 'sk-ant-…',
  },
  {
    id: 'google',
    label: 'Google Gemini',
    kind: 'google',
    name: 'Google Gemini',
    baseUrl: '',
    url: 'optional',
    key: 'required',
    group: 'cloud',
    help: 'Gemini models. Requests and replies go to Google.',
    keyHelp: 'Create a key at aistudio.google.com → Get API key.',
    keyPlaceholder: 'AIza…',
  },
  {
    id: 'groq',
    label: 'Groq',
    kind: 'groq',
    name: 'Groq',
    baseUrl: '',
    url: 'optional',
    key: 'required',
    group: 'cloud',
    help: 'Very fast open models. Requests and replies go to Groq.',
    keyHelp: 'Create a key at console.groq.com → API Keys.',
    keyPlaceholder: 'gsk_…',
  },
  {
    id: 'mistral',
    label: 'Mistral',
    kind: 'mistral',
    name: 'Mistral',
    baseUrl: '',
    url: 'optional',
    key: 'required',
    group: 'cloud',
    help: 'Mistral models. Requests and replies go to Mistral AI.',
    keyHelp: 'Create a key at console.mistral.ai → API Keys.',
  },
  {
    id: 'openrouter',
    label: 'OpenRouter',
    kind: 'openai-compatible',
    name: 'OpenRouter',
    baseUrl: 'https://openrouter.ai/api/v1',
    url: 'required',
    key: 'required',
    group: 'cloud',
    help: 'Hundreds of models from many vendors behind one key.',
    keyHelp: 'Create a key at openrouter.ai → Keys.',
    keyPlaceholder: 'sk-or-…',
  },
  {
    id: 'together',
    label: 'Together AI',
    kind: 'openai-compatible',
    name: 'Together AI',
    baseUrl: 'https://api.together.xyz/v1',
    url: 'required',
    key: 'required',
    group: 'cloud',
    help: 'Open models hosted by Together AI.',
    keyHelp: 'Create a key at api.together.ai → Settings → API keys.',
  },
  {
    id: 'openai-compatible',
    label: 'Other OpenAI-compatible server',
    kind: 'openai-compatible',
    name: '',
    baseUrl: '',
    url: 'required',
    key: 'optional',
    group: 'local',
    help: 'Any server that speaks the OpenAI Chat Completions API. Addresses on this machine or your network count as local.',
  },
];

export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434';

export function presetById(id: string): ProviderPreset {
  return PROVIDER_PRESETS.find((p) => p.id === id) ?? PROVIDER_PRESETS[0]!;
}

/** The preset an existing provider most likely came from (for the edit dialog's wording). */
export function presetFor(provider: Pick<Provider, 'kind' | 'baseUrl'>): ProviderPreset {
  const byUrl = PROVIDER_PRESETS.find(
    (p) =>
      p.kind === provider.kind && p.baseUrl && provider.baseUrl && sameOrigin(p.baseUrl, provider.baseUrl),
  );
  return (
    byUrl ??
    PROVIDER_PRESETS.find((p) => p.kind === provider.kind && p.id === provider.kind) ??
    presetById('openai-compatible')
  );
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).host === new URL(b).host;
  } catch {
    return false;
  }
}

/** "Ollama", "OpenAI-compatible", "Anthropic": a provider kind in words. */
export function kindLabel(kind: string): string {
  const labels: Record<string, string> = {
    ollama: 'Ollama',
    openai: 'OpenAI',
    anthropic: 'Anthropic',
    google: 'Google Gemini',
    groq: 'Groq',
    mistral: 'Mistral',
    'openai-compatible': 'OpenAI-compatible',
    'llama-cpp': 'Embedded llama.cpp',
  };
  return labels[kind] ?? kind;
}
