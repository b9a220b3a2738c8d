import type { Tiktoken } from 'js-tiktoken/lite';
import type { ChatMessage, Usage } from '../types.js';

type EncodingName = 'cl100k_base' | 'o200k_base';

// Each rank file is megabytes: load on first use, once per process.
const encoders = new Map<EncodingName, Promise<Tiktoken>>();

// OpenAI's chat format adds a few tokens per message around the content.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

/**
 * Which tokenizer approximates a model best: o200k for OpenAI's GPT-4o generation and later,
 * cl100k for everything else (close enough for Llama, Mistral, Claude and Gemini budgets).
 * @example encodingFor('gpt-4o-mini') // 'o200k_base'
 */
export function encodingFor(modelName: string): EncodingName {
  return /(^|\/)(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt|gpt-oss)/i.test(modelName)
    ? 'o200k_base'
    : 'cl100k_base';
}

/**
 * Counts tokens locally, for providers that report no usage.
 * @example await countTokens('Hello world', 'gpt-4o') // 2
 */
export async function countTokens(text: string, modelName: string): Promise<number> {
  if (!text) return 0;
  const encoding = encodingFor(modelName);
  // Context assembly counts the same system prompt and history every turn: remember counts.
  const key = text.length <= MAX_CACHED_CHARS ? `${encoding}\u0000${text}` : undefined;
  const cached = key ? counted.get(key) : undefined;
  if (cached !== undefined) return cached;
  const count = encodedLength(await loadEncoder(encoding), text);
  if (key) {
    if (counted.size >= MAX_CACHED_COUNTS) counted.delete(counted.keys().next().value!);
    counted.set(key, count);
  }
  return count;
}

/**
 * js-tiktoken merges each pre-token piece in worse than quadratic time: 8,000 `x` in a row take
 * about 20 s, so a single long "word" (or run of spaces) in a message would hold the process.
 * Runs longer than this are counted in slices of this length (at most one token more per
 * slice than an exact count); ordinary text has no such runs and is counted exactly.
 */
const MAX_RUN = 64;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN + 1},}|\\s{${MAX_RUN + 1},}`, 'g');

function encodedLength(encoder: Tiktoken, text: string): number {
  let total = 0;
  let last = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    total += encoder.encode(text.slice(last, run.index), [], []).length;
    for (let i = 0; i < run[0].length; i += MAX_RUN)
      total += encoder.encode(run[0].slice(i, i + MAX_RUN), [], []).length;
    last = run.index + run[0].length;
  }
  return total + encoder.encode(text.slice(last), [], []).length;
}

const MAX_CACHED_COUNTS = 20_000;
const MAX_CACHED_CHARS = 32_000;
const counted = new Map<string, number>();

/**
 * Fills usage the provider did not report by counting the prompt and the reply; counts the
 * provider did report are kept, and `reported` is true only when both were reported.
 * @example await completeUsage({ output: undefined, input: 12 }, messages, 'Hi there', 'llama3.2')
 */
export async function completeUsage(
  reported: { input?: number; output?: number },
  messages: ChatMessage[],
  outputText: string,
  modelName: string,
): Promise<Usage> {
  if (reported.input !== undefined && reported.output !== undefined) {
    return { inputTokens: reported.input, outputTokens: reported.output, reported: true };
  }
  const inputTokens = reported.input ?? (await countPrompt(messages, modelName));
  const outputTokens = reported.output ?? (await countTokens(outputText, modelName));
  return { inputTokens, outputTokens, reported: false };
}

async function countPrompt(messages: ChatMessage[], modelName: string): Promise<number> {
  let total = TOKENS_PER_REPLY;
  for (const message of messages) {
    const calls =
      message.toolCalls?.map((call) => `${call.toolName}${JSON.stringify(call.input)}`).join('') ?? '';
    total += TOKENS_PER_MESSAGE + (await countTokens(message.content + calls, modelName));
  }
  return total;
}

function loadEncoder(name: EncodingName): Promise<Tiktoken> {
  let encoder = encoders.get(name);
  if (!encoder) {
    encoder = (async () => {
      const { Tiktoken } = await import('js-tiktoken/lite');
      const ranks =
        name === 'o200k_base'
          ? (await import('js-tiktoken/ranks/o200k_base')).default
          : (await import('js-tiktoken/ranks/cl100k_base')).default;
      return new Tiktoken(ranks);
    })();
    encoders.set(name, encoder);
  }
  return encoder;
}
