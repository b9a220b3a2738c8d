import path from 'node:path';
import { z } from 'zod';
import { parseAllowList } from './net/outbound-policy.js';

/** Every environment variable Lumina reads, validated in one place. */
const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const byteSize = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|kib|mb|mib|gb|gib)?$/i, {
    message: 'must be a size such as 1048576, 512kb or 1mib',
  })
  .transform(parseByteSize);

const postgresUrl = z.string().refine((v) => /^postgres(ql)?:\/\/.+/.test(v) && URL.canParse(v), {
  message: 'must be a postgres://user@host:port/database URL',
});

const httpUrl = z
  .string()
  .refine((v) => /^https?:\/\/.+/.test(v) && URL.canParse(v), { message: 'must be an http(s):// URL' });

const redisUrl = z.string().refine((v) => /^rediss?:\/\/.+/.test(v) && URL.canParse(v), {
  message: 'must be a redis://host:port URL',
});

export const envSchema = z.object({
  PORT: z.coerce.number({ message: 'must be a number' }).int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  LUMINA_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
  DATABASE_POOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  REDIS_URL: redisUrl.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  LUMINA_BODY_LIMIT: byteSize.default(1024 * 1024),
  LUMINA_TRUST_PROXY: booleanString.default(false),
  LUMINA_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  LUMINA_WEB_DIR: z.string().min(1).optional(),
  LUMINA_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, {
      message: 'must be 64 hex characters (32 bytes), e.g. from: openssl rand -hex 32',
    })
    .optional(),
  LUMINA_SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  LUMINA_PASSWORD_RESET_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  LUMINA_COOKIE_SECURE: z.enum(['auto', 'always', 'never']).default('auto'),
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(8192).max(4_194_304).default(19_456),
  ARGON2_TIME_COST: z.coerce.number().int().min(1).max(20).default(2),
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(16).default(1),
  LUMINA_LOGIN_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  LUMINA_API_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(1200),
  LUMINA_METRICS_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  OLLAMA_BASE_URL: httpUrl.optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: httpUrl.optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  GOOGLE_API_KEY: z.string().min(1).optional(),
  OPENROUTER_API_KEY: z.string().min(1).optional(),
  GROQ_API_KEY: z.string().min(1).optional(),
  MISTRAL_API_KEY: z.string().min(1).optional(),
  LUMINA_LOCAL_ONLY: booleanString.default(false),
  LUMINA_OLLAMA_AUTODETECT: booleanString.default(true),
  LUMINA_OUTBOUND_ALLOW: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .superRefine((entries, context) => {
      try {
        parseAllowList(entries);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .default([]),
  LUMINA_PROVIDER_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  LUMINA_PROVIDER_FIRST_TOKEN_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  LUMINA_PROVIDER_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  LUMINA_LLAMA_CONTEXT_SIZE: z.coerce.number().int().min(128).max(1_048_576).default(4096),
  LUMINA_LLAMA_THREADS: z.coerce.number().int().min(0).max(256).default(0),
  LUMINA_VOICE_END_SILENCE_MS: z.coerce.number().int().min(200).max(5000).default(450),
  LUMINA_VOICE_SEGMENT_SILENCE_MS: z.coerce.number().int().min(0).max(5000).default(160),
  CHAT_MAX_MESSAGE_CHARS: z.coerce.number().int().min(1).max(1_000_000).default(32_000),
  CHAT_FLUSH_INTERVAL_MS: z.coerce.number().int().min(50).max(1000).default(500),
  CHAT_CONTINUE_ON_DISCONNECT: booleanString.default(true),
  CHAT_REPLY_TOKENS: z.coerce.number().int().min(16).max(1_000_000).default(1024),
  CHAT_DEFAULT_CONTEXT_WINDOW: z.coerce.number().int().min(512).max(100_000_000).default(8192),
  CHAT_SUMMARY_THRESHOLD: z.coerce.number().min(0.1).max(1).default(0.75),
  CHAT_SUMMARY_MODEL: z
    .string()
    .regex(/^[^/\s]+\/\S/, { message: 'must be a model id such as ollama/llama3.2:1b (provider/model)' })
    .optional(),
  CHAT_SUMMARY_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(120_000),
  CHAT_INCOGNITO_IDLE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  IMAGE_GENERATION_BACKEND: z
    .enum(['openai', 'automatic1111', 'comfyui'], { message: 'must be openai, automatic1111 or comfyui' })
    .optional(),
  IMAGE_GENERATION_URL: httpUrl.optional(),
  IMAGE_GENERATION_API_KEY: z.string().min(1).optional(),
  IMAGE_GENERATION_MODEL: z.string().min(1).max(300).optional(),
  IMAGE_GENERATION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(120_000),
  IMAGE_GENERATION_COMFYUI_WORKFLOW: z.string().min(1).optional(),
  LUMINA_PGLITE_SHARED_BUFFERS: z
    .string()
    .regex(/^\d+(kB|MB|GB)$/, { message: 'must be a PostgreSQL size such as 16MB' })
    .default('16MB'),
  LUMINA_PGLITE_THREAD: z.enum(['worker', 'main'], { message: 'must be worker or main' }).default('worker'),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  /** How long a request waits for a free PostgreSQL connection before answering 503 `service_busy`. */
  databasePoolTimeoutMs: number;
  redisUrl: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  logFormat: 'json' | 'pretty';
  bodyLimit: number;
  trustProxy: boolean;
  shutdownTimeoutMs: number;
  webDir: string | undefined;
  pgliteSharedBuffers: string;
  /** Where embedded PGlite runs: its own worker thread, or the main thread (as before issue 11). */
  pgliteThread: 'worker' | 'main';
  /** 32-byte master key for secrets at rest; when unset, a key file in the data dir is used. */
  secretKey: Buffer | undefined;
  sessionTtlDays: number;
  /** How long an admin-issued password-reset link works. */
  passwordResetTtlHours: number;
  /** `auto`: Secure cookies when the request came over HTTPS (or a trusted proxy says so). */
  cookieSecure: 'auto' | 'always' | 'never';
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  loginLimitPerMinute: number;
  apiLimitPerMinute: number;
  /** Bearer token that unlocks /metrics; without one, /metrics is not served. */
  metricsToken: string | undefined;
  providers: {
    ollamaBaseUrl: string | undefined;
    /** Probe http://127.0.0.1:11434 at start-up when OLLAMA_BASE_URL is not set. */
    ollamaAutodetect: boolean;
    openaiApiKey: string | undefined;
    openaiBaseUrl: string | undefined;
    anthropicApiKey: string | undefined;
    googleApiKey: string | undefined;
    openrouterApiKey: string | undefined;
    groqApiKey: string | undefined;
    mistralApiKey: string | undefined;
  };
  /** System-wide privacy switch: refuse every cloud provider. */
  localOnly: boolean;
  /** Outbound requests: non-public targets that ordinary users may reach too (hosts, IPs, CIDRs). */
  outbound: { allow: string[] };
  providerTimeouts: { connectTimeoutMs: number; firstTokenTimeoutMs: number; idleTimeoutMs: number };
  llama: { contextSize: number; threads: number };
  /** Voice calls' endpointing (docs/voice.md "Endpointing"): silence that ends a turn, and a segment. */
  voice: { endSilenceMs: number; segmentSilenceMs: number };
  /** Avatar pictures drawn by an image service; undefined when none is configured. */
  imageGeneration: ImageGenerationConfig | undefined;
  chat: {
    /** Longest user message accepted, in characters. */
    maxMessageChars: number;
    /** How often a streaming reply's text is written to the database. */
    flushIntervalMs: number;
    /** Keep generating (and store the reply) when the client disconnects. */
    continueOnDisconnect: boolean;
    /** Tokens of the context window kept free for the reply. */
    replyTokens: number;
    /** Context window assumed when a model does not report its own. */
    defaultContextWindow: number;
    /** Share of the window (minus the reply) above which older turns are summarized, 0.1–1. */
    summaryThreshold: number;
    /** `provider/model` that writes running summaries; unset = the conversation's model. */
    summaryModel: string | undefined;
    summaryTimeoutMs: number;
    /** An incognito conversation idle this long has ended: the purge job deletes it. */
    incognitoIdleMinutes: number;
  };
}

/** Raised for a bad environment; its message is a single line meant for a terminal. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates configuration from an environment object.
 * @example const config = loadConfig({ PORT: '3000' }); // config.port === 3000
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most twelve-factor tools.
  const cleaned = Object.fromEntries(
    Object.keys(envSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]);
    const secret = key.endsWith('_URL') || key.endsWith('_KEY');
    const shown = secret ? '' : ` (got ${JSON.stringify(cleaned[key])})`;
    throw new ConfigError(`invalid configuration: ${key} ${issue.message}${shown}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.LUMINA_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    databasePoolTimeoutMs: e.DATABASE_POOL_TIMEOUT_MS,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    bodyLimit: e.LUMINA_BODY_LIMIT,
    trustProxy: e.LUMINA_TRUST_PROXY,
    shutdownTimeoutMs: e.LUMINA_SHUTDOWN_TIMEOUT_MS,
    webDir: e.LUMINA_WEB_DIR ? path.resolve(e.LUMINA_WEB_DIR) : undefined,
    pgliteSharedBuffers: e.LUMINA_PGLITE_SHARED_BUFFERS,
    pgliteThread: e.LUMINA_PGLITE_THREAD,
    secretKey: e.LUMINA_SECRET_KEY ? Buffer.from(e.LUMINA_SECRET_KEY, 'hex') : undefined,
    sessionTtlDays: e.LUMINA_SESSION_TTL_DAYS,
    passwordResetTtlHours: e.LUMINA_PASSWORD_RESET_TTL_HOURS,
    cookieSecure: e.LUMINA_COOKIE_SECURE,
    argon2: {
      memoryCost: e.ARGON2_MEMORY_KIB,
      timeCost: e.ARGON2_TIME_COST,
      parallelism: e.ARGON2_PARALLELISM,
    },
    loginLimitPerMinute: e.LUMINA_LOGIN_LIMIT_PER_MINUTE,
    apiLimitPerMinute: e.LUMINA_API_LIMIT_PER_MINUTE,
    metricsToken: e.LUMINA_METRICS_TOKEN,
    providers: {
      ollamaBaseUrl: e.OLLAMA_BASE_URL,
      ollamaAutodetect: e.LUMINA_OLLAMA_AUTODETECT,
      openaiApiKey: e.OPENAI_API_KEY,
      openaiBaseUrl: e.OPENAI_BASE_URL,
      anthropicApiKey: e.ANTHROPIC_API_KEY,
      googleApiKey: e.GOOGLE_API_KEY,
      openrouterApiKey: e.OPENROUTER_API_KEY,
      groqApiKey: e.GROQ_API_KEY,
      mistralApiKey: e.MISTRAL_API_KEY,
    },
    localOnly: e.LUMINA_LOCAL_ONLY,
    outbound: { allow: e.LUMINA_OUTBOUND_ALLOW },
    providerTimeouts: {
      connectTimeoutMs: e.LUMINA_PROVIDER_CONNECT_TIMEOUT_MS,
      firstTokenTimeoutMs: e.LUMINA_PROVIDER_FIRST_TOKEN_TIMEOUT_MS,
      idleTimeoutMs: e.LUMINA_PROVIDER_IDLE_TIMEOUT_MS,
    },
    llama: { contextSize: e.LUMINA_LLAMA_CONTEXT_SIZE, threads: e.LUMINA_LLAMA_THREADS },
    voice: {
      endSilenceMs: e.LUMINA_VOICE_END_SILENCE_MS,
      segmentSilenceMs: e.LUMINA_VOICE_SEGMENT_SILENCE_MS,
    },
    imageGeneration: imageGenerationConfig(e),
    chat: {
      maxMessageChars: e.CHAT_MAX_MESSAGE_CHARS,
      flushIntervalMs: e.CHAT_FLUSH_INTERVAL_MS,
      continueOnDisconnect: e.CHAT_CONTINUE_ON_DISCONNECT,
      replyTokens: e.CHAT_REPLY_TOKENS,
      defaultContextWindow: e.CHAT_DEFAULT_CONTEXT_WINDOW,
      summaryThreshold: e.CHAT_SUMMARY_THRESHOLD,
      summaryModel: e.CHAT_SUMMARY_MODEL,
      summaryTimeoutMs: e.CHAT_SUMMARY_TIMEOUT_MS,
      incognitoIdleMinutes: e.CHAT_INCOGNITO_IDLE_MINUTES,
    },
  };
}

export interface ImageGenerationConfig {
  backend: 'openai' | 'automatic1111' | 'comfyui';
  /** The service's base URL (for OpenAI-compatible servers with or without `/v1`). */
  url: string;
  apiKey: string | undefined;
  /** OpenAI: the image model (default gpt-image-1); Automatic1111 and ComfyUI: the checkpoint. */
  model: string | undefined;
  timeoutMs: number;
  /** ComfyUI: a workflow file in API format, used instead of the built-in text-to-image graph. */
  comfyWorkflow: string | undefined;
}

/** Only OpenAI has a well-known address; the self-hosted services need theirs. */
const IMAGE_SERVICE_DEFAULT_URLS: Partial<Record<ImageGenerationConfig['backend'], string>> = {
  openai: 'https://api.openai.com',
};

function imageGenerationConfig(e: z.infer<typeof envSchema>): ImageGenerationConfig | undefined {
  const backend = e.IMAGE_GENERATION_BACKEND;
  if (!backend) {
    if (e.IMAGE_GENERATION_URL)
      throw new ConfigError(
        'invalid configuration: IMAGE_GENERATION_URL is set but IMAGE_GENERATION_BACKEND is not (openai, automatic1111 or comfyui)',
      );
    return undefined;
  }
  const url = e.IMAGE_GENERATION_URL ?? IMAGE_SERVICE_DEFAULT_URLS[backend];
  if (!url)
    throw new ConfigError(
      `invalid configuration: IMAGE_GENERATION_URL is required when IMAGE_GENERATION_BACKEND=${backend} (e.g. http://127.0.0.1:${backend === 'comfyui' ? 8188 : 7860})`,
    );
  return {
    backend,
    url,
    apiKey: e.IMAGE_GENERATION_API_KEY,
    model: e.IMAGE_GENERATION_MODEL,
    timeoutMs: e.IMAGE_GENERATION_TIMEOUT_MS,
    comfyWorkflow: e.IMAGE_GENERATION_COMFYUI_WORKFLOW
      ? path.resolve(e.IMAGE_GENERATION_COMFYUI_WORKFLOW)
      : undefined,
  };
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
};

function parseByteSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim())!;
  return Math.floor(Number(match[1]) * (UNITS[(match[2] || 'b').toLowerCase()] ?? 1));
}
