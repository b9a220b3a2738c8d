import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundClient, directRequest, type RequestFunction } from '../../net/outbound-client.js';
import { PROVIDER_LIMITS } from '../../net/outbound-limits.js';
import { collect } from '../../test-support/chat-model-conformance.js';
import { createProviderFactory } from '../provider-factory.js';
import type { ChatRequest, ChatStreamPart, ToolDefinition } from '../types.js';
import { createCloudProvider } from './cloud-providers.js';
import { MAX_EVENT_CHARS } from './openai-completion-stream.js';

const KEY = 'sk-test-key';
const SECRET = 'INTERNAL-SECRET-7f3a';
const TIMEOUTS = { connectTimeoutMs: 5000, firstTokenTimeoutMs: 5000, idleTimeoutMs: 5000 };
const ask: ChatRequest = { messages: [{ role: 'user', content: 'Hi' }] };

interface Received {
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary wire fields
  body: any;
  headers: http.IncomingHttpHeaders;
  clientPort: number;
  /** Resolves when the connection this request came on closes. */
  socketClosed: Promise<void>;
}

type Answer = (res: ServerResponse, req: Received) => void | Promise<void>;

/**
 * A Chat Completions server whose every byte the test writes: which frames share a socket write,
 * what comes after the 200, when the stream stops. It records what reached it.
 */
class WireServer {
  readonly received: Received[] = [];
  answer: Answer = (res) => sse(res, [role(), text('Hello'), finish('stop'), usage(3, 1), DONE]);
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => void this.receive(req, res));
  origin = '';

  async listen() {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Connections open right now. */
  get openSockets(): number {
    return this.sockets.size;
  }

  last(): Received {
    const found = this.received.at(-1);
    if (!found) throw new Error('no request reached the server');
    return found;
  }

  async close() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async receive(req: IncomingMessage, res: ServerResponse) {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const socket = req.socket;
    const received: Received = {
      body: raw ? JSON.parse(raw) : undefined,
      headers: req.headers,
      clientPort: socket.remotePort ?? 0,
      socketClosed: socket.destroyed
        ? Promise.resolve()
        : new Promise((resolve) => socket.once('close', () => resolve())),
    };
    this.received.push(received);
    await this.answer(res, received);
  }
}

const frame = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const chunk = (delta: Record<string, unknown> | null, extra: Record<string, unknown> = {}, finish?: string) =>
  frame({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: delta === null ? [] : [{ index: 0, delta, finish_reason: finish ?? null }],
    ...extra,
  });
const role = () => chunk({ role: 'assistant', content: '' });
const text = (content: string) => chunk({ content });
const finish = (reason: string) => chunk({}, {}, reason);
const usage = (input: number, output: number) =>
  chunk(null, { usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output } });
const DONE = 'data: [DONE]\n\n';

/** Headers, then every frame in ONE socket write, then the end. */
function sse(res: ServerResponse, frames: string[]) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(frames.join(''));
}

/** Headers at once, then each frame in its own write, `gapMs` apart; the end unless `hang`. */
async function paced(res: ServerResponse, frames: string[], gapMs: number, hang = false) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
  for (const data of frames) {
    if (res.destroyed) return;
    res.write(data);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  if (!hang) res.end();
}

const deltas = (parts: ChatStreamPart[], type: 'text-delta' | 'reasoning-delta') =>
  parts.flatMap((part) => (part.type === type ? [part.delta] : []));
const errorOf = (parts: ChatStreamPart[]) => {
  const errors = parts.filter((part) => part.type === 'error');
  expect(errors).toHaveLength(1);
  expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'error' });
  return errors[0] as Extract<ChatStreamPart, { type: 'error' }>;
};

describe('OpenAiChatModel: the lean OpenAI-wire adapter', () => {
  let server: WireServer;
  const outbound = createOutboundClient({ allow: ['127.0.0.1'] });
  const model = (
    options: {
      kind?: 'openai' | 'openai-compatible';
      name?: string;
      request?: RequestFunction;
      timeouts?: typeof TIMEOUTS;
    } = {},
  ) =>
    createCloudProvider({
      id: 'p',
      kind: options.kind ?? 'openai-compatible',
      apiKey: KEY,
      baseUrl: `${server.origin}/v1`,
      request: options.request ?? outbound.request('untrusted', PROVIDER_LIMITS),
      timeouts: options.timeouts ?? TIMEOUTS,
    }).chatModel(options.name ?? 'm');

  beforeAll(async () => {
    server = await new WireServer().listen();
  });
  afterEach(() => {
    server.answer = (res) => sse(res, [role(), text('Hello'), finish('stop'), usage(3, 1), DONE]);
  });
  afterAll(async () => {
    await outbound.close();
    await server.close();
  });

  describe('text, reasoning and usage', () => {
    it('yields the text deltas of one socket chunk as one part, and those of separate chunks apart', async () => {
      server.answer = (res) =>
        sse(res, [role(), text('Hel'), text('lo'), text(' there'), finish('stop'), usage(7, 3), DONE]);
      const burst = await collect(model().stream(ask));
      expect(burst).toEqual([
        { type: 'text-delta', delta: 'Hello there' },
        { type: 'usage', usage: { inputTokens: 7, outputTokens: 3, reported: true } },
        { type: 'finish', finishReason: 'stop' },
      ]);
      server.answer = (res) => paced(res, [role(), text('one'), text(' two'), finish('stop'), DONE], 30);
      expect(deltas(await collect(model().stream(ask)), 'text-delta')).toEqual(['one', ' two']);
    });

    it('streams reasoning_content and reasoning (gpt-oss servers) as reasoning-delta before the text', async () => {
      server.answer = (res) =>
        sse(res, [
          chunk({ reasoning_content: 'Because' }),
          chunk({ reasoning: ' it is.' }),
          text('Yes'),
          chunk({ content: [{ type: 'text', text: '.' }] }),
          finish('stop'),
          DONE,
        ]);
      const parts = await collect(model().stream(ask));
      expect(parts.filter((part) => part.type !== 'usage')).toEqual([
        { type: 'reasoning-delta', delta: 'Because it is.' },
        { type: 'text-delta', delta: 'Yes.' },
        { type: 'finish', finishReason: 'stop' },
      ]);
    });

    it('takes usage from the finish chunk too, and counts tokens itself when none is reported', async () => {
      server.answer = (res) =>
        sse(res, [
          text('Hi'),
          chunk({}, { usage: { prompt_tokens: 9, completion_tokens: 2 } }, 'stop'),
          DONE,
        ]);
      expect((await collect(model().stream(ask))).at(-2)).toEqual({
        type: 'usage',
        usage: { inputTokens: 9, outputTokens: 2, reported: true },
      });
      server.answer = (res) => sse(res, [text('Hello world'), finish('stop'), DONE]);
      const counted = (await collect(model().stream(ask))).find((part) => part.type === 'usage');
      expect(counted).toMatchObject({ usage: { reported: false } });
      if (counted?.type !== 'usage') throw new Error('no usage');
      expect(counted.usage.outputTokens).toBeGreaterThanOrEqual(2);
    });

    it.each([
      ['stop', 'stop'],
      ['length', 'length'],
      ['content_filter', 'content-filter'],
      ['tool_calls', 'tool-calls'],
      ['eos_token', 'other'],
    ])('maps finish_reason %s to %s', async (wire, ours) => {
      server.answer = (res) => sse(res, [text('x'), finish(wire), DONE]);
      expect((await collect(model().stream(ask))).at(-1)).toEqual({ type: 'finish', finishReason: ours });
    });

    it('accepts a stream that ends after its finish without [DONE], and refuses one without a finish', async () => {
      server.answer = (res) => sse(res, [text('x'), finish('stop')]);
      expect((await collect(model().stream(ask))).at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
      server.answer = (res) => sse(res, [text('x'), DONE]);
      const parts = await collect(model().stream(ask));
      expect(deltas(parts, 'text-delta')).toEqual(['x']);
      expect(errorOf(parts).code).toBe('provider_protocol_error');
    });
  });

  describe('tool calls', () => {
    const tools: ToolDefinition[] = [
      {
        name: 'get_weather',
        description: 'Weather',
        inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
      },
      { name: 'get_time', description: 'Time', inputSchema: { type: 'object', properties: {} } },
    ];
    const call = (index: number, fields: Record<string, unknown>) =>
      chunk({ tool_calls: [{ index, ...fields }] });

    it('gathers parallel calls streamed in fragments by index, one tool-call part each at the end', async () => {
      server.answer = (res) =>
        paced(
          res,
          [
            role(),
            call(0, { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }),
            call(1, { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } }),
            call(0, { function: { arguments: '{"ci' } }),
            call(1, { function: { arguments: '' } }),
            call(0, { function: { arguments: 'ty":"Pa' } }),
            call(0, { function: { arguments: 'ris"}' } }),
            finish('tool_calls'),
            usage(5, 4),
            DONE,
          ],
          5,
        );
      const parts = await collect(model().stream({ ...ask, tools }));
      expect(parts).toEqual([
        { type: 'tool-call', toolCallId: 'call_a', toolName: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool-call', toolCallId: 'call_b', toolName: 'get_time', input: {} },
        { type: 'usage', usage: { inputTokens: 5, outputTokens: 4, reported: true } },
        { type: 'finish', finishReason: 'tool-calls' },
      ]);
    });

    it('makes up a missing id, keeps unparsable or prototype-polluting input as text', async () => {
      server.answer = (res) =>
        sse(res, [
          call(0, { function: { name: 'get_weather', arguments: '{"__proto__":{"x":1}}' } }),
          call(1, { id: 'call_2', function: { name: 'get_time', arguments: 'not json' } }),
          finish('tool_calls'),
          DONE,
        ]);
      const calls = (await collect(model().stream({ ...ask, tools }))).filter((p) => p.type === 'tool-call');
      expect(calls).toHaveLength(2);
      expect(calls[0]).toMatchObject({ toolName: 'get_weather', input: '{"__proto__":{"x":1}}' });
      expect(calls[0]?.type === 'tool-call' && calls[0].toolCallId).toMatch(/^call_./);
      expect(calls[1]).toMatchObject({ toolCallId: 'call_2', input: 'not json' });
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    });

    it('refuses a call that never names its tool', async () => {
      server.answer = (res) =>
        sse(res, [call(0, { id: 'c', function: { arguments: '{}' } }), finish('tool_calls'), DONE]);
      expect(errorOf(await collect(model().stream({ ...ask, tools }))).code).toBe('provider_protocol_error');
    });

    it('counts argument fragments as output: a long call does not hit the idle timeout', async () => {
      const fragments = Array.from({ length: 8 }, () => call(0, { function: { arguments: ' ' } }));
      server.answer = (res) =>
        paced(
          res,
          [
            call(0, { id: 'c', function: { name: 'get_time', arguments: '{' } }),
            ...fragments,
            call(0, { function: { arguments: '}' } }),
            finish('tool_calls'),
            DONE,
          ],
          100,
        );
      const parts = await collect(
        model({ timeouts: { connectTimeoutMs: 5000, firstTokenTimeoutMs: 5000, idleTimeoutMs: 400 } }).stream(
          {
            ...ask,
            tools,
          },
        ),
      );
      expect(parts.find((p) => p.type === 'error')).toBeUndefined();
      expect(parts.find((p) => p.type === 'tool-call')).toMatchObject({ toolName: 'get_time', input: {} });
    });
  });

  describe('the request', () => {
    const history: ChatRequest['messages'] = [
      { role: 'system', content: 'You are Aria.' },
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ toolCallId: 'call_1', toolName: 'get_weather', input: { city: 'Bern' } }],
      },
      { role: 'tool', toolCallId: 'call_1', toolName: 'get_weather', content: 'sunny', isError: false },
      { role: 'system', content: 'Stay in character.' },
    ];
    const tool: ToolDefinition = {
      name: 'get_weather',
      description: 'Weather',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    };

    it('is the Chat Completions body: messages, stream with usage, settings, function tools, the key', async () => {
      await collect(
        model().stream({
          messages: history,
          tools: [tool],
          temperature: 0.4,
          topP: 0.9,
          maxOutputTokens: 200,
          stop: ['END'],
        }),
      );
      const { body, headers } = server.last();
      expect(headers.authorization).toBe(`Bearer ${KEY}`);
      expect(body).toEqual({
        model: 'm',
        messages: [
          { role: 'system', content: 'You are Aria.' },
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Bern"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
          { role: 'system', content: 'Stay in character.' },
        ],
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 200,
        temperature: 0.4,
        top_p: 0.9,
        stop: ['END'],
        tools: [
          {
            type: 'function',
            function: { name: 'get_weather', description: 'Weather', parameters: tool.inputSchema },
          },
        ],
      });
    });

    it('asks OpenAI for max_completion_tokens, and its reasoning models with developer messages and no sampling', async () => {
      const settings = { messages: history.slice(0, 2), temperature: 0.4, topP: 0.9, maxOutputTokens: 50 };
      await collect(model({ kind: 'openai', name: 'gpt-4o-mini' }).stream(settings));
      expect(server.last().body).toMatchObject({ max_completion_tokens: 50, temperature: 0.4, top_p: 0.9 });
      expect(server.last().body).not.toHaveProperty('max_tokens');
      expect(server.last().body.messages[0].role).toBe('system');
      for (const name of ['o3-mini', 'gpt-5']) {
        await collect(model({ kind: 'openai', name }).stream(settings));
        const { body } = server.last();
        expect(body.messages[0]).toEqual({ role: 'developer', content: 'You are Aria.' });
        expect(body).not.toHaveProperty('temperature');
        expect(body).not.toHaveProperty('top_p');
        expect(body.max_completion_tokens).toBe(50);
      }
    });
  });

  describe('failures', () => {
    it.each([
      [
        401,
        '{"error":{"message":"Incorrect API key SECRET","code":"invalid_api_key"}}',
        'provider_auth_failed',
        false,
      ],
      [403, '{"error":{"message":"forbidden SECRET"}}', 'provider_auth_failed', false],
      [404, '{"error":{"message":"The model `m` does not exist SECRET"}}', 'model_not_found', false],
      [429, '{"error":{"message":"Rate limit reached SECRET"}}', 'provider_rate_limited', true],
      [400, '{"error":{"message":"temperature must be <= 2 SECRET"}}', 'provider_bad_request', false],
      [
        400,
        '{"error":{"message":"This model\'s maximum context length is 8192 tokens. SECRET"}}',
        'context_length_exceeded',
        false,
      ],
      [500, '{"error":{"message":"boom SECRET"}}', 'provider_unavailable', true],
      [503, '<html>down SECRET</html>', 'provider_unavailable', true],
    ])('maps HTTP %i to %s without echoing the body', async (status, body, code, retryable) => {
      server.answer = (res) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body.replace('SECRET', SECRET));
      };
      const error = errorOf(await collect(model().stream(ask)));
      expect(error).toMatchObject({ code, retryable });
      expect(error.message).not.toContain(SECRET);
    });

    it.each([
      ['{"error":{"message":"MSG","type":"server_error","code":null}}', 'provider_unavailable', true],
      [
        '{"error":{"message":"MSG","type":"tokens","code":"rate_limit_exceeded"}}',
        'provider_rate_limited',
        true,
      ],
      [
        '{"object":"error","message":"MSG","type":"BadRequestError","code":400}',
        'provider_bad_request',
        false,
      ],
      [
        '{"error":{"message":"MSG maximum context length is 4096 tokens","code":"context_length_exceeded"}}',
        'context_length_exceeded',
        false,
      ],
    ])(
      'maps an error event after the 200 (%s), keeping the text before it',
      async (event, code, retryable) => {
        server.answer = (res) =>
          sse(res, [text('Par'), text('tial'), `data: ${event.replace('MSG', SECRET)}\n\n`, DONE]);
        const parts = await collect(model().stream(ask));
        expect(deltas(parts, 'text-delta').join('')).toBe('Partial');
        const error = errorOf(parts);
        expect(error).toMatchObject({ code, retryable });
        expect(error.message).not.toContain(SECRET);
      },
    );

    it.each([
      ['NUL and control bytes', `data: \u0000\u0001${SECRET}\u0000\n\n`],
      ['cut JSON', `data: {"choices":[{"delta":{"content":"${SECRET}\n\n`],
      ['JSON that is not an object', 'data: 42\n\n'],
      ['choices of the wrong type', `data: {"choices":"${SECRET}"}\n\n`],
      ['content of the wrong type', 'data: {"choices":[{"delta":{"content":7}}]}\n\n'],
    ])('ends with a bounded provider_protocol_error on %s', async (_name, garbage) => {
      server.answer = (res) => sse(res, [text('Hello'), garbage, text(' after'), finish('stop'), DONE]);
      const parts = await collect(model().stream(ask));
      const error = errorOf(parts);
      expect(error.code).toBe('provider_protocol_error');
      expect(error.message).not.toContain(SECRET);
      expect(error.message.length).toBeLessThan(200);
      expect(deltas(parts, 'text-delta').join('')).toBe('Hello');
    });

    it('ends a 200 that is no event stream (an HTML page) with provider_protocol_error', async () => {
      server.answer = (res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><body>${SECRET}</body></html>\n`);
      };
      const error = errorOf(await collect(model().stream(ask)));
      expect(error.code).toBe('provider_protocol_error');
      expect(error.message).not.toContain(SECRET);
    });

    it('refuses an event that grows past the cap in many short data lines, without reading on', async () => {
      let sent = 0;
      server.answer = (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(text('Hi'));
        // Each line is short (no line cap applies); the event never ends.
        const more = () => {
          if (res.destroyed) return;
          sent += 64 * 1024;
          res.write(`data: ${'z'.repeat(64 * 1024 - 7)}\n`, () => setImmediate(more));
        };
        more();
      };
      // No guarded client (no caps): the parser's own bound must hold.
      const parts = await collect(model({ request: directRequest() }).stream(ask));
      expect(errorOf(parts).code).toBe('provider_protocol_error');
      expect(deltas(parts, 'text-delta')).toEqual(['Hi']);
      await server.last().socketClosed;
      expect(sent).toBeLessThan(MAX_EVENT_CHARS + 8 * 1024 * 1024);
    });

    it('ends a body over the byte cap with provider_protocol_error and closes the connection', async () => {
      server.answer = async (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < 200 && !res.destroyed; i++) {
          res.write(text('x'.repeat(1000)));
          await new Promise((resolve) => setImmediate(resolve));
        }
        res.end(finish('stop') + DONE);
      };
      const request = outbound.request('untrusted', { maxResponseBytes: 20_000, maxLineBytes: 4096 });
      const parts = await collect(model({ request }).stream(ask));
      const error = errorOf(parts);
      expect(error.code).toBe('provider_protocol_error');
      expect(error.message).toMatch(/larger than 20000 bytes/);
      expect(deltas(parts, 'text-delta').join('').length).toBeLessThan(20_000);
      await server.last().socketClosed;
    });

    it('ends a line over the line cap with provider_protocol_error', async () => {
      server.answer = (res) => sse(res, [text('Hi'), text('y'.repeat(8000)), finish('stop'), DONE]);
      const request = outbound.request('untrusted', { maxResponseBytes: 1_000_000, maxLineBytes: 4096 });
      const parts = await collect(model({ request }).stream(ask));
      expect(errorOf(parts)).toMatchObject({ code: 'provider_protocol_error' });
      expect(errorOf(parts).message).toMatch(/longer than 4096 bytes/);
    });

    it('ends a provider that answers but never sends a token with provider_timeout (first-token limit)', async () => {
      server.answer = (res) => paced(res, [role()], 0, true);
      const started = Date.now();
      const parts = await collect(
        model({ timeouts: { connectTimeoutMs: 5000, firstTokenTimeoutMs: 300, idleTimeoutMs: 5000 } }).stream(
          ask,
        ),
      );
      expect(errorOf(parts)).toMatchObject({ code: 'provider_timeout', retryable: true });
      expect(errorOf(parts).message).toMatch(/no first token/);
      expect(Date.now() - started).toBeLessThan(2000);
      await server.last().socketClosed;
    });
  });

  describe('connections', () => {
    it('releases the socket when the caller cancels mid-stream', async () => {
      server.answer = (res) =>
        paced(
          res,
          [role(), text('one'), text(' two'), text(' three'), text(' four'), finish('stop'), DONE],
          80,
        );
      const controller = new AbortController();
      const parts: ChatStreamPart[] = [];
      for await (const part of model().stream({ ...ask, signal: controller.signal })) {
        parts.push(part);
        if (part.type === 'text-delta') controller.abort();
      }
      expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'cancelled' });
      await server.last().socketClosed;
    });

    it('keeps connections for the next calls after complete streams', async () => {
      const before = server.received.length;
      for (let i = 0; i < 4; i++) await collect(model().stream(ask));
      // undici may open a second connection while the first is being released; never one per call.
      const ports = new Set(server.received.slice(before).map((received) => received.clientPort));
      expect(ports.size).toBeLessThan(4);
    });

    it('is refused a loopback provider an ordinary user aimed, before any connection (provider factory)', async () => {
      const before = server.received.length;
      const guarded = createOutboundClient({});
      const factory = createProviderFactory({ providerTimeouts: TIMEOUTS }, {}, guarded);
      const spec = {
        id: 'mine',
        kind: 'openai-compatible' as const,
        name: 'mine',
        baseUrl: `${server.origin}/v1`,
        scope: 'user' as const,
        trusted: false,
      };
      const refused = errorOf(await collect(factory(spec).chatModel('m').stream(ask)));
      expect(refused).toMatchObject({ code: 'outbound_address_blocked', retryable: false });
      expect(server.received).toHaveLength(before);
      // The operator's own provider (trusted) may reach it through the same factory.
      const allowed = await collect(
        factory({ ...spec, trusted: true })
          .chatModel('m')
          .stream(ask),
      );
      expect(deltas(allowed, 'text-delta')).toEqual(['Hello']);
      await guarded.close();
    });
  });
});
