import type { Capabilities, ModelInfo } from '../types.js';

interface KnownModel {
  pattern: RegExp;
  contextWindow: number;
  capabilities: Partial<Capabilities>;
  /** Embedding size, for embedding models. */
  dimensions?: number;
}

const CHAT = { tools: true, json: true, embeddings: false };
const CHAT_VISION = { ...CHAT, vision: true };
const EMBEDDING = { tools: false, json: false, vision: false, embeddings: true };

/**
 * Context windows and capabilities of well-known models, for vendors whose model lists do not
 * say (OpenAI, Anthropic). First match wins, so specific patterns come before general ones.
 */
const KNOWN_MODELS: KnownModel[] = [
  { pattern: /^text-embedding-3-small/, contextWindow: 8191, capabilities: EMBEDDING, dimensions: 1536 },
  { pattern: /^text-embedding-3-large/, contextWindow: 8191, capabilities: EMBEDDING, dimensions: 3072 },
  { pattern: /^text-embedding-ada-002/, contextWindow: 8191, capabilities: EMBEDDING, dimensions: 1536 },
  {
    pattern: /^(models\/)?text-embedding-004/,
    contextWindow: 2048,
    capabilities: EMBEDDING,
    dimensions: 768,
  },
  {
    pattern: /^(models\/)?gemini-embedding-001/,
    contextWindow: 2048,
    capabilities: EMBEDDING,
    dimensions: 3072,
  },
  { pattern: /^mistral-embed/, contextWindow: 8192, capabilities: EMBEDDING, dimensions: 1024 },
  { pattern: /^gpt-4\.1/, contextWindow: 1_047_576, capabilities: CHAT_VISION },
  { pattern: /^gpt-5/, contextWindow: 400_000, capabilities: CHAT_VISION },
  { pattern: /^gpt-4o/, contextWindow: 128_000, capabilities: CHAT_VISION },
  { pattern: /^gpt-4-turbo/, contextWindow: 128_000, capabilities: CHAT_VISION },
  { pattern: /^gpt-3\.5-turbo/, contextWindow: 16_385, capabilities: { ...CHAT, vision: false } },
  { pattern: /^o[134](-mini)?/, contextWindow: 200_000, capabilities: CHAT_VISION },
  { pattern: /^claude-/, contextWindow: 200_000, capabilities: CHAT_VISION },
  { pattern: /^(models\/)?gemini-1\.5-pro/, contextWindow: 2_097_152, capabilities: CHAT_VISION },
  { pattern: /^(models\/)?gemini-/, contextWindow: 1_048_576, capabilities: CHAT_VISION },
  {
    pattern: /^llama-3\.[13]-.*(instant|versatile)/,
    contextWindow: 131_072,
    capabilities: { ...CHAT, vision: false },
  },
  {
    pattern: /^(mistral-large|mistral-medium|mistral-small|codestral)/,
    contextWindow: 131_072,
    capabilities: CHAT,
  },
];

/**
 * What the built-in table knows about a model name.
 * @example knownModel('gpt-4o-mini')?.contextWindow // 128000
 */
export function knownModel(name: string): KnownModel | undefined {
  return KNOWN_MODELS.find((model) => model.pattern.test(name));
}

export interface ModelFacts {
  providerId: string;
  name: string;
  local: boolean;
  /** What the vendor's model list said, when it said anything. */
  contextWindow?: number | null;
  capabilities?: Partial<Capabilities>;
  /** Used for whatever neither the vendor nor the table knows. */
  defaults?: Partial<Capabilities>;
}

/**
 * A catalogue entry: vendor facts first, then the built-in table, then defaults.
 * @example describeModel({ providerId: 'openai', name: 'gpt-4o', local: false }).id // 'openai/gpt-4o'
 */
export function describeModel(facts: ModelFacts): ModelInfo {
  const known = knownModel(facts.name);
  const guessEmbeddings = /embed/i.test(facts.name);
  const capabilities: Capabilities = {
    tools: false,
    vision: false,
    json: false,
    embeddings: guessEmbeddings,
    ...(guessEmbeddings ? {} : facts.defaults),
    ...known?.capabilities,
    ...facts.capabilities,
  };
  return {
    id: `${facts.providerId}/${facts.name}`,
    provider: facts.providerId,
    name: facts.name,
    contextWindow: facts.contextWindow ?? known?.contextWindow ?? null,
    capabilities,
    local: facts.local,
  };
}
