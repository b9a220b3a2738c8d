import type { ChatMessage, FinishReason } from '../types.js';
import { ProviderError } from '../types.js';
import type {
  ChatHistoryItem,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
  LlamaStopReason,
  NodeLlamaCppModule,
} from './node-llama-cpp-api.js';

/** A model in memory with the one context sequence its requests take turns on. */
export interface LoadedLlamaModel {
  name: string;
  model: LlamaModel;
  sequence: LlamaContextSequence;
  /** True when the GGUF carries a chat template; otherwise messages become a plain prompt. */
  hasChatTemplate: boolean;
}

export interface GenerationInput {
  messages: ChatMessage[];
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  topK?: number | undefined;
  minP?: number | undefined;
  seed?: number | undefined;
  repetitionPenalty?: number | undefined;
  frequencyPenalty?: number | undefined;
  presencePenalty?: number | undefined;
  stop?: string[] | undefined;
  grammar?: LlamaGrammar | undefined;
  signal: AbortSignal;
  onText?: (delta: string) => void;
}

export interface GenerationResult {
  text: string;
  finishReason: FinishReason;
  inputTokens: number;
  outputTokens: number;
}

/** node-llama-cpp's suggested balance between variety and coherence, used when unset. */
export const DEFAULT_TEMPERATURE = 0.8;

/**
 * Runs one generation on a loaded model: through the GGUF's chat template when it has one
 * (node-llama-cpp resolves the matching chat wrapper), else as plain completion of the
 * messages' text joined by newlines, which is what base models such as TinyStories expect.
 * Token counts are the model's own tokenizer's, so they are exact.
 *
 * @example
 * const result = await generate(engine, loaded, { messages, maxTokens: 64, signal });
 * result.finishReason; // 'length'
 */
export async function generate(
  engine: NodeLlamaCppModule,
  loaded: LoadedLlamaModel,
  input: GenerationInput,
): Promise<GenerationResult> {
  const { model, sequence } = loaded;
  let outputTokens = 0;
  const options = {
    signal: input.signal,
    // Abort ends the generation with what was produced so far instead of throwing.
    stopOnAbortSignal: true,
    // A base model may never emit end-of-text; one context of output is the ceiling.
    maxTokens: Math.max(1, Math.min(input.maxTokens ?? sequence.contextSize, sequence.contextSize)),
    temperature: input.temperature ?? DEFAULT_TEMPERATURE,
    ...(input.topP !== undefined ? { topP: input.topP } : {}),
    ...(input.topK !== undefined ? { topK: input.topK } : {}),
    ...(input.minP !== undefined ? { minP: input.minP } : {}),
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    ...repeatPenalty(input),
    ...(input.stop?.length ? { customStopTriggers: input.stop } : {}),
    ...(input.grammar ? { grammar: input.grammar } : {}),
    onToken: (tokens: number[]) => {
      outputTokens += tokens.length;
    },
    onTextChunk: (text: string) => {
      if (text) input.onText?.(text);
    },
  };

  if (loaded.hasChatTemplate) {
    const chat = new engine.LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
    try {
      const history: ChatHistoryItem[] = [...toChatHistory(input.messages), { type: 'model', response: [] }];
      const inputTokens = chat.chatWrapper
        .generateContextState({ chatHistory: history })
        .contextText.tokenize(model.tokenizer).length;
      assertFits(inputTokens, sequence.contextSize);
      const { response, metadata } = await chat.generateResponse(history, options);
      return { text: response, finishReason: toFinishReason(metadata.stopReason), inputTokens, outputTokens };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  }

  const completion = new engine.LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
  try {
    const prompt = input.messages.map((message) => message.content).join('\n');
    const inputTokens = model.tokenize(prompt).length;
    assertFits(inputTokens, sequence.contextSize);
    const { response, metadata } = await completion.generateCompletionWithMeta(prompt, options);
    return { text: response, finishReason: toFinishReason(metadata.stopReason), inputTokens, outputTokens };
  } finally {
    completion.dispose({ disposeSequence: false });
  }
}

/** Tool results become user turns: the engine path has no tool calling (capabilities.tools is false). */
function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem => {
    switch (message.role) {
      case 'system':
        return { type: 'system', text: message.content };
      case 'assistant':
        return { type: 'model', response: [message.content] };
      case 'tool':
        return { type: 'user', text: `Tool result: ${message.content}` };
      default:
        return { type: 'user', text: message.content };
    }
  });
}

// node-llama-cpp would otherwise shift the context and silently drop the start of the prompt.
function assertFits(inputTokens: number, contextSize: number): void {
  if (inputTokens >= contextSize) {
    throw new ProviderError(
      'context_length_exceeded',
      `The prompt has ${inputTokens} tokens; the context holds ${contextSize}`,
      false,
    );
  }
}

function toFinishReason(stopReason: LlamaStopReason): FinishReason {
  switch (stopReason) {
    case 'maxTokens':
      return 'length';
    case 'abort':
      return 'cancelled';
    case 'functionCalls':
      return 'tool-calls';
    default:
      return 'stop';
  }
}

/** node-llama-cpp's one repeat-penalty option carries all three penalties. */
function repeatPenalty(input: GenerationInput) {
  const { repetitionPenalty: penalty, frequencyPenalty, presencePenalty } = input;
  if (penalty === undefined && frequencyPenalty === undefined && presencePenalty === undefined) return {};
  return {
    repeatPenalty: {
      ...(penalty !== undefined ? { penalty } : {}),
      ...(frequencyPenalty !== undefined ? { frequencyPenalty } : {}),
      ...(presencePenalty !== undefined ? { presencePenalty } : {}),
    },
  };
}
