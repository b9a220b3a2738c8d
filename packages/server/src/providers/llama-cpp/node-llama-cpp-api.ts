/**
 * The part of node-llama-cpp v3's API that Lumina uses, declared here because the package is an
 * opt-in install: the server must typecheck, build and run without it. These are structural
 * copies of its declarations (3.22); `engine-install.test.ts` checks the real module against
 * them at run time when the engine is installed.
 */
export type Token = number;

export type LlamaStopReason =
  | 'eogToken'
  | 'stopGenerationTrigger'
  | 'functionCalls'
  | 'maxTokens'
  | 'abort'
  | 'customStopTrigger';

export interface NodeLlamaCppModule {
  getLlama(options: {
    gpu: false;
    build: 'never';
    logLevel?: 'disabled' | 'fatal' | 'error' | 'warn' | 'info' | 'log' | 'debug';
    maxThreads?: number;
    skipDownload?: boolean;
    dryRun?: boolean;
  }): Promise<Llama>;
  LlamaChat: new (options: {
    contextSequence: LlamaContextSequence;
    chatWrapper?: 'auto';
    autoDisposeSequence?: boolean;
  }) => LlamaChat;
  LlamaCompletion: new (options: {
    contextSequence: LlamaContextSequence;
    autoDisposeSequence?: boolean;
  }) => LlamaCompletion;
}

export interface Llama {
  readonly cpuMathCores: number;
  loadModel(options: { modelPath: string; gpuLayers?: number; useMmap?: boolean }): Promise<LlamaModel>;
  /** Accepts the JSON Schema subset node-llama-cpp's GBNF converter supports; throws otherwise. */
  createGrammarForJsonSchema(schema: object): Promise<LlamaJsonSchemaGrammar>;
  dispose(): Promise<void>;
}

export interface LlamaModel {
  readonly tokenizer: unknown;
  readonly trainContextSize: number;
  /** Bytes of the model weights. */
  readonly size: number;
  readonly disposed: boolean;
  /** Length of the vectors an embedding context of this model returns. */
  readonly embeddingVectorSize: number;
  tokenize(text: string, specialTokens?: boolean): Token[];
  detokenize(tokens: readonly Token[]): string;
  createContext(options: {
    contextSize?: number;
    threads?: number;
    sequences?: number;
  }): Promise<LlamaContext>;
  /** A second context of the same weights that returns the model's embedding of an input. */
  createEmbeddingContext(options: {
    contextSize?: number;
    /** Tokens per decode; an encoder (BERT) reads its whole input in one, so it must hold it. */
    batchSize?: number;
    threads?: number;
  }): Promise<LlamaEmbeddingContext>;
  dispose(): Promise<void>;
}

export interface LlamaEmbeddingContext {
  readonly disposed: boolean;
  /** Throws when the input (with the BOS/EOS tokens it adds) does not fit the context. */
  getEmbeddingFor(input: Token[] | string): Promise<{ readonly vector: readonly number[] }>;
  /** Tokens the input takes, BOS/EOS included. */
  calculateInputLength(input: Token[] | string): number;
  dispose(): Promise<void>;
}

export interface LlamaContext {
  readonly contextSize: number;
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}

export interface LlamaContextSequence {
  readonly contextSize: number;
  readonly disposed: boolean;
}

export interface LlamaGrammar {
  readonly grammar: string;
}

export interface LlamaJsonSchemaGrammar extends LlamaGrammar {
  /** JSON.parse plus validation against the schema; throws on mismatch. */
  parse(json: string): unknown;
}

export interface GenerationOptions {
  onTextChunk?: (text: string) => void;
  onToken?: (tokens: Token[]) => void;
  signal?: AbortSignal;
  stopOnAbortSignal?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  seed?: number;
  repeatPenalty?: { penalty?: number; frequencyPenalty?: number; presencePenalty?: number };
  customStopTriggers?: readonly string[];
  grammar?: LlamaGrammar;
}

export type ChatHistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: string[] };

export interface LlamaChat {
  readonly chatWrapper: {
    generateContextState(options: { chatHistory: ChatHistoryItem[] }): {
      contextText: { tokenize(tokenizer: unknown): Token[] };
    };
  };
  generateResponse(
    history: ChatHistoryItem[],
    options: GenerationOptions,
  ): Promise<{ response: string; metadata: { stopReason: LlamaStopReason } }>;
  dispose(options?: { disposeSequence?: boolean }): void;
}

export interface LlamaCompletion {
  generateCompletionWithMeta(
    input: string,
    options: GenerationOptions,
  ): Promise<{ response: string; metadata: { stopReason: LlamaStopReason } }>;
  dispose(options?: { disposeSequence?: boolean }): void;
}
