import type { JSONSchema7 } from 'json-schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StreamTimeouts } from '../providers/adapters/stream-timeouts.js';
import type {
  ChatMessage,
  ChatStreamPart,
  ModelProvider,
  ProviderErrorCode,
  ToolDefinition,
} from '../providers/types.js';
import { ProviderError } from '../providers/types.js';
import type { ProtocolServer, RecordedRequest } from './protocol-servers/protocol-server.js';

export interface ChatModelHarness {
  provider: ModelProvider;
  /** The local server speaking the vendor's wire format. */
  server: ProtocolServer;
  /** Path suffix of the streaming chat call, to find it among recorded requests. */
  chatPath: string;
  modelName: string;
  /** Checks that the request carried the configured credentials the vendor's way. */
  expectCredentials(request: RecordedRequest): void;
  embeddingModelName?: string;
  embeddingDimensions?: number;
  /** The vendor's wire always carries usage (Anthropic), so "no usage" cannot be scripted. */
  alwaysReportsUsage?: boolean;
  close(): Promise<void>;
}

/**
 * Short enough to keep the hang tests quick, long enough for a loaded CI machine. The first
 * token may take longer than the connection, as with a real model reading a long prompt.
 */
export const TEST_TIMEOUTS: StreamTimeouts = {
  connectTimeoutMs: 300,
  firstTokenTimeoutMs: 1500,
  idleTimeoutMs: 400,
};

const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are Lumina, a friendly avatar.' },
  { role: 'user', content: 'Say hello to the tests.' },
];

/** A 1×1 PNG. */
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const WEATHER_TOOL: ToolDefinition = {
  name: 'get_weather',
  description: 'Current weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const PERSON_SCHEMA: JSONSchema7 = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
};

/** Collects a whole stream. */
export async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const all: ChatStreamPart[] = [];
  for await (const part of parts) all.push(part);
  return all;
}

function textOf(parts: ChatStreamPart[]): string {
  return parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('');
}

/** True when `deltas` are `tokens` in order, each delta one token or several consecutive ones joined. */
function wholeTokenRuns(deltas: string[], tokens: string[]): boolean {
  let next = 0;
  for (const delta of deltas) {
    let run = '';
    while (run.length < delta.length && next < tokens.length) run += tokens[next++];
    if (run !== delta) return false;
  }
  return next === tokens.length;
}

function lastOf(parts: ChatStreamPart[]): ChatStreamPart | undefined {
  return parts.at(-1);
}

/** Asserts the contract's failure ending: one error part with `codes`, then finish error. */
function expectFailure(parts: ChatStreamPart[], codes: ProviderErrorCode[]) {
  const errors = parts.filter((p) => p.type === 'error');
  expect(errors).toHaveLength(1);
  expect(codes).toContain(errors[0]?.type === 'error' && errors[0].code);
  expect(parts.at(-2)?.type).toBe('error');
  expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'error' });
  expect(parts.filter((p) => p.type === 'finish')).toHaveLength(1);
  return errors[0] as Extract<ChatStreamPart, { type: 'error' }>;
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

/**
 * The behaviour every ChatModel adapter must have, run against its protocol server.
 * @example describeChatModel('openai', async () => openAiHarness());
 */
export function describeChatModel(name: string, factory: () => Promise<ChatModelHarness>) {
  describe(`ChatModel conformance: ${name}`, () => {
    let h: ChatModelHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(() => h.close());

    const chat = () => h.provider.chatModel(h.modelName);

    it('streams text in order, then usage, then finish stop', async () => {
      h.server.script({ kind: 'text', tokens: ['Hel', 'lo', ' there', '!'], delayMs: 5 });
      const parts = await collect(chat().stream({ messages: MESSAGES, temperature: 0.3 }));
      const deltas = parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : []));
      // Tokens that reach the client in one socket read may leave as one delta (the OpenAI-wire
      // adapter joins them); 5 ms apart they nearly never do, but a busy machine may read late.
      expect(deltas.length).toBeGreaterThan(0);
      expect(wholeTokenRuns(deltas, ['Hel', 'lo', ' there', '!'])).toBe(true);
      expect(parts.at(-2)).toEqual({
        type: 'usage',
        usage: { inputTokens: 12, outputTokens: 4, reported: true },
      });
      expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'stop' });
      const request = h.server.lastRequest(h.chatPath);
      h.expectCredentials(request);
      expect(JSON.stringify(request.body)).toContain('Say hello to the tests.');
      expect(JSON.stringify(request.body)).toContain('You are Lumina');
    });

    it('counts tokens itself when the provider reports no usage', async ({ skip }) => {
      if (h.alwaysReportsUsage) skip();
      h.server.script({ kind: 'text', tokens: ['Hello', ' world'], usage: false });
      const parts = await collect(chat().stream({ messages: MESSAGES }));
      const usage = parts.find((p) => p.type === 'usage');
      expect(usage).toMatchObject({ type: 'usage', usage: { reported: false } });
      if (usage?.type !== 'usage') throw new Error('no usage part');
      expect(usage.usage.outputTokens).toBeGreaterThanOrEqual(2);
      expect(usage.usage.inputTokens).toBeGreaterThan(10);
      expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'stop' });
    });

    it('round-trips a tool call', async () => {
      h.server.script({
        kind: 'tool-call',
        toolName: 'get_weather',
        input: { city: 'Paris' },
        callId: 'call_42',
      });
      const parts = await collect(chat().stream({ messages: MESSAGES, tools: [WEATHER_TOOL] }));
      const call = parts.find((p) => p.type === 'tool-call');
      expect(call).toMatchObject({ type: 'tool-call', toolName: 'get_weather', input: { city: 'Paris' } });
      expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
      expect(JSON.stringify(h.server.lastRequest(h.chatPath).body)).toContain('get_weather');
      if (call?.type !== 'tool-call') throw new Error('no tool call');

      h.server.script({ kind: 'text', tokens: ['Sunny', ' in Paris'] });
      const followUp = await collect(
        chat().stream({
          messages: [
            ...MESSAGES,
            { role: 'assistant', content: '', toolCalls: [{ ...call }] },
            { role: 'tool', toolCallId: call.toolCallId, content: '{"sky":"clear-and-sunny"}' },
          ],
          tools: [WEATHER_TOOL],
        }),
      );
      expect(textOf(followUp)).toBe('Sunny in Paris');
      const sent = JSON.stringify(h.server.lastRequest(h.chatPath).body);
      expect(sent).toContain('clear-and-sunny');
      expect(sent).toContain('get_weather');
    });

    it('sends a user message’s pictures in the vendor’s image form, with its text', async () => {
      h.server.script({ kind: 'text', tokens: ['A', ' red', ' dot'] });
      const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
      const parts = await collect(
        chat().stream({
          messages: [
            MESSAGES[0]!,
            {
              role: 'user',
              content: 'What is in these pictures?',
              images: [
                { mediaType: 'image/png', data: new Uint8Array(TINY_PNG) },
                { mediaType: 'image/jpeg', data: new Uint8Array(jpeg) },
              ],
            },
          ],
        }),
      );
      expect(textOf(parts)).toBe('A red dot');
      expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'stop' });
      const request = h.server.lastRequest(h.chatPath);
      // The server checks the vendor's form (a wrong one is a 400, failing the stream above).
      expect(h.server.receivedImages(request)).toEqual([
        { role: 'user', mediaType: 'image/png', data: TINY_PNG },
        { role: 'user', mediaType: 'image/jpeg', data: jpeg },
      ]);
      expect(JSON.stringify(request.body)).toContain('What is in these pictures?');
    });

    it('returns structured output validated against the schema', async () => {
      h.server.script({ kind: 'text', tokens: ['{"name":', '"Ada","age":36}'] });
      const result = await chat().generateObject<{ name: string; age: number }>({
        messages: MESSAGES,
        schema: PERSON_SCHEMA,
        schemaName: 'person',
      });
      expect(result.object).toEqual({ name: 'Ada', age: 36 });
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(JSON.stringify(h.server.requests.at(-1)?.body)).toContain('"age"');
    });

    it('rejects structured output that is not JSON or breaks the schema', async () => {
      h.server.script({ kind: 'text', tokens: ['{"name": "Ada", "age": '] });
      const notJson = await rejection(chat().generateObject({ messages: MESSAGES, schema: PERSON_SCHEMA }));
      expect(notJson.code).toBe('model_bad_output');
      h.server.script({ kind: 'text', tokens: ['{"name":"Ada","age":"old"}'] });
      const wrongShape = await rejection(
        chat().generateObject({ messages: MESSAGES, schema: PERSON_SCHEMA }),
      );
      expect(wrongShape.code).toBe('model_bad_output');
    });

    it('ends with finish cancelled when aborted mid-stream, and closes the upstream request', async () => {
      h.server.script({ kind: 'text', tokens: ['one', ' two', ' three', ' four', ' five'], delayMs: 60 });
      const controller = new AbortController();
      const parts: ChatStreamPart[] = [];
      const started = Date.now();
      for await (const part of chat().stream({ messages: MESSAGES, signal: controller.signal })) {
        parts.push(part);
        if (part.type === 'text-delta') controller.abort();
      }
      expect(Date.now() - started).toBeLessThan(1000);
      expect(parts.some((p) => p.type === 'error')).toBe(false);
      expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'cancelled' });
      const request = h.server.lastRequest(h.chatPath);
      await request.closed;
      expect(request.clientAborted).toBe(true);
    });

    it('maps a rejected key to provider_auth_failed, in a stream and in probe', async () => {
      h.server.script({ kind: 'http-error', status: 401 });
      const parts = await collect(chat().stream({ messages: MESSAGES }));
      const error = expectFailure(parts, ['provider_auth_failed']);
      expect(error.retryable).toBe(false);
      h.server.script({ kind: 'http-error', status: 401 });
      expect((await rejection(h.provider.probe())).code).toBe('provider_auth_failed');
    });

    it('maps an unknown model to model_not_found', async () => {
      h.server.script({ kind: 'http-error', status: 404 });
      const parts = await collect(h.provider.chatModel('no-such-model').stream({ messages: MESSAGES }));
      expectFailure(parts, ['model_not_found']);
    });

    it('maps 429 to a retryable rate limit and 500 to a retryable outage', async () => {
      h.server.script({ kind: 'http-error', status: 429 });
      const limited = expectFailure(await collect(chat().stream({ messages: MESSAGES })), [
        'provider_rate_limited',
      ]);
      expect(limited.retryable).toBe(true);
      h.server.script({ kind: 'http-error', status: 500 });
      const down = expectFailure(await collect(chat().stream({ messages: MESSAGES })), [
        'provider_unavailable',
      ]);
      expect(down.retryable).toBe(true);
    });

    it('keeps the partial text and ends with provider_protocol_error on a malformed chunk', async () => {
      h.server.script({ kind: 'malformed', tokens: ['Hello', ' wor'] });
      const parts = await collect(chat().stream({ messages: MESSAGES }));
      expect(textOf(parts)).toBe('Hello wor');
      expectFailure(parts, ['provider_protocol_error']);
    });

    it('keeps the partial text and ends with an error when the stream is cut', async () => {
      h.server.script({ kind: 'cut', tokens: ['Hello', ' wor'] });
      const parts = await collect(chat().stream({ messages: MESSAGES }));
      expect(textOf(parts)).toBe('Hello wor');
      expectFailure(parts, ['provider_protocol_error', 'provider_unavailable']);
    });

    it('ends a hung provider with provider_timeout within the configured timeout', async () => {
      h.server.script({ kind: 'hang' });
      const started = Date.now();
      const parts = await collect(chat().stream({ messages: MESSAGES }));
      expect(Date.now() - started).toBeLessThan(TEST_TIMEOUTS.connectTimeoutMs + 1000);
      expect(expectFailure(parts, ['provider_timeout']).retryable).toBe(true);
      await h.server.lastRequest(h.chatPath).closed;
    });

    it('waits past the connect timeout for a slow first token once the provider answered', async () => {
      // Headers come at once, the token after twice the connect timeout: only the first-token limit applies.
      h.server.script({ kind: 'text', tokens: ['Finally'], delayMs: TEST_TIMEOUTS.connectTimeoutMs * 2 });
      const parts = await collect(chat().stream({ messages: MESSAGES }));
      expect(textOf(parts)).toBe('Finally');
      expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'stop' });
    });

    it('ends a stream that goes silent mid-way with provider_timeout, keeping the text', async () => {
      h.server.script({ kind: 'hang', tokens: ['Hello'] });
      const started = Date.now();
      const parts = await collect(chat().stream({ messages: MESSAGES }));
      expect(Date.now() - started).toBeLessThan(TEST_TIMEOUTS.idleTimeoutMs + 1000);
      expect(textOf(parts)).toBe('Hello');
      expectFailure(parts, ['provider_timeout']);
    });

    it('lists models with ids <provider>/<name>', async () => {
      const models = await h.provider.listModels();
      expect(models.length).toBeGreaterThan(0);
      for (const model of models) {
        expect(model.id).toBe(`${h.provider.id}/${model.name}`);
        expect(model.provider).toBe(h.provider.id);
      }
      expect(models.map((m) => m.name)).toContain(h.modelName);
    });

    it('embeds a batch where the vendor supports embeddings', async ({ skip }) => {
      if (!h.embeddingModelName) skip();
      const model = h.provider.embeddingModel?.(h.embeddingModelName!);
      if (!model) throw new Error('the provider should offer embeddings');
      const { embeddings } = await model.embed(['first text', 'second, longer text', 'third']);
      expect(embeddings).toHaveLength(3);
      for (const vector of embeddings) expect(vector).toHaveLength(h.embeddingDimensions ?? 8);
      expect(model.dimensions).toBe(h.embeddingDimensions ?? 8);
    });
  });
}
