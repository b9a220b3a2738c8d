import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceParser, type ParseError } from 'eventsource-parser';
import { PROVIDER_LIMITS } from '../../net/outbound-limits.js';
import type { ChatStreamPart, FinishReason } from '../types.js';
import { ProviderError } from '../types.js';
import { httpProviderError } from './provider-errors.js';
import { StreamPacer } from './stream-pacing.js';
import type { StreamLiveness } from './stream-timeouts.js';

/** One event's data at most (its lines together): the line cap of model streams, in characters. */
export const MAX_EVENT_CHARS = PROVIDER_LIMITS.maxLineBytes;

/** Parts waiting for a slow consumer before the socket is paused (TCP then slows the sender). */
const HIGH_WATER_PARTS = 256;

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
};

export interface StreamedToolCall {
  id: string;
  name: string;
  /** The JSON text of the input, as the fragments added up. */
  arguments: string;
}

type Fields = Record<string, unknown>;

/**
 * The SSE body of one streamed chat completion, read with 'data' events: each socket chunk is fed
 * to eventsource-parser's callback parser, each event checked by hand (a `typeof` per field
 * read, no schema library) and turned into parts. The parts of one chunk are batched, with
 * consecutive text (or reasoning) deltas joined into one part, so a chunk carrying fifty tokens
 * costs one wake-up and one part downstream, not fifty. Tool calls are gathered by index and
 * handed out whole at the end; `finish_reason` and `usage` are kept for the end too.
 * @example
 * const completion = new CompletionStream(response.body, liveness);
 * for (let batch = completion.take(); ; batch = completion.take()) {
 *   if (batch) for (const part of batch) yield part;
 *   else if (completion.ended()) break;
 *   else await completion.arrival();
 * }
 */
export class CompletionStream {
  private queued: ChatStreamPart[] = [];
  private readonly parser: EventSourceParser;
  private readonly calls = new Map<number, { id?: string; name: string; arguments: string }>();
  private lastCallIndex = -1;
  private textSoFar = '';
  private reason: FinishReason | undefined;
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  /** `[DONE]`, the end of the body, or a failure: nothing more is read. */
  private done = false;
  private failure: unknown;
  private wake: (() => void) | null = null;
  private readonly decoder = new StringDecoder('utf8');
  /** Under load, wakes the reader at most once per window after the first content (stream-pacing.ts). */
  private readonly pacer = new StreamPacer(() => this.notify());

  constructor(
    private readonly body: Readable,
    private readonly liveness: StreamLiveness,
  ) {
    this.parser = createParser({
      onEvent: (event) => this.onEvent(event.data),
      onError: (error: ParseError) => {
        // Unknown fields are ignored, as the SSE format says; an endless event is not.
        if (error.type === 'max-buffer-size-exceeded')
          throw protocolError(`the provider sent an event longer than ${MAX_EVENT_CHARS} characters`);
      },
      maxBufferSize: MAX_EVENT_CHARS,
    });
    // Decoded here: undici's body ignores setEncoding (it records the name, decodes nothing).
    body.on('data', this.onData);
    body.on('end', this.onEnd);
    // Stays attached to the end: a body destroyed later (cancel) must not throw unhandled.
    body.on('error', this.onError);
  }

  /** The parts that arrived since the last call, or undefined when none did. */
  take(): ChatStreamPart[] | undefined {
    if (this.queued.length === 0) return undefined;
    const parts = this.queued;
    this.queued = [];
    if (this.body.isPaused() && !this.done) this.body.resume();
    return parts;
  }

  /**
   * True once the stream ended properly with nothing left to take; throws what ended it
   * otherwise (a failure, or an ending without a finish reason).
   */
  ended(): boolean {
    if (!this.done || this.queued.length > 0) return false;
    if (this.failure !== undefined) throw this.failure;
    if (this.reason === undefined) throw protocolError('the stream ended without a finish reason');
    return true;
  }

  /** Resolves when parts arrive or the stream ends. */
  arrival(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** The calls the model made, in index order, each with an id (made up where the wire gave none). */
  toolCalls(): StreamedToolCall[] {
    return [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => {
        if (!call.name) throw protocolError('the provider sent a tool call without a name');
        return { id: call.id ?? `call_${randomUUID()}`, name: call.name, arguments: call.arguments };
      });
  }

  usage(): { input?: number; output?: number } {
    return { input: this.inputTokens, output: this.outputTokens };
  }

  finishReason(): FinishReason {
    return this.reason ?? 'other';
  }

  /** All the text streamed (for counting tokens when the provider reports none). */
  text(): string {
    return this.textSoFar;
  }

  /** Lets go of the connection if the body is still open (a stream ended early). */
  release(): void {
    this.done = true;
    this.pacer.ended();
    if (!this.body.readableEnded && !this.body.destroyed) this.body.destroy();
  }

  private readonly onData = (chunk: Buffer) => {
    if (this.done) return;
    try {
      this.parser.feed(this.decoder.write(chunk));
    } catch (error) {
      this.fail(error);
      return;
    }
    if (this.done) this.pacer.ended();
    else if (this.queued.length > 0) this.pacer.arrived();
    if (this.queued.length >= HIGH_WATER_PARTS && !this.done) this.body.pause();
  };

  private readonly onEnd = () => {
    this.done = true;
    this.pacer.ended();
  };

  private readonly onError = (error: unknown) => {
    this.fail(error);
  };

  private fail(error: unknown) {
    if (this.done) return; // after [DONE], the end or a first failure, nothing else counts
    this.done = true;
    this.failure = error;
    if (!this.body.destroyed) this.body.destroy();
    this.pacer.ended();
  }

  private notify() {
    const wake = this.wake;
    if (wake) {
      this.wake = null;
      wake();
    }
  }

  private onEvent(data: string) {
    if (this.done) return;
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    const chunk = parseChunk(data);
    // Some servers report a failure after the 200 as an event: `{"error":{…}}` or vLLM's
    // `{"object":"error",…}`.
    if (chunk.error != null) throw streamError(chunk.error);
    if (chunk.object === 'error') throw streamError(chunk);
    if (chunk.usage != null) this.readUsage(chunk.usage);
    const choices = chunk.choices;
    if (choices == null) return;
    if (!Array.isArray(choices)) throw shapeError('choices');
    const choice: unknown = choices[0];
    if (choice == null) return;
    if (typeof choice !== 'object') throw shapeError('choices[0]');
    const { delta, finish_reason: finish } = choice as Fields;
    if (delta != null) {
      if (typeof delta !== 'object') throw shapeError('delta');
      this.readDelta(delta as Fields);
    }
    if (finish != null) {
      if (typeof finish !== 'string') throw shapeError('finish_reason');
      this.reason = FINISH_REASONS[finish] ?? 'other';
    }
  }

  private readDelta(delta: Fields) {
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (reasoning != null) {
      if (typeof reasoning !== 'string') throw shapeError('reasoning_content');
      if (reasoning) this.add('reasoning-delta', reasoning);
    }
    const content = delta.content;
    if (typeof content === 'string') {
      if (content) this.add('text-delta', content);
    } else if (Array.isArray(content)) {
      this.readContentParts(content);
    } else if (content != null) throw shapeError('content');
    if (delta.tool_calls != null) {
      if (!Array.isArray(delta.tool_calls)) throw shapeError('tool_calls');
      for (const call of delta.tool_calls) this.readToolCall(call);
      // Arguments being written are output: a long call must not look like a silent provider.
      if (delta.tool_calls.length > 0) this.liveness.producing();
    }
  }

  /** Content as parts (Mistral's and some proxies' shape): text, and thinking as reasoning. */
  private readContentParts(parts: unknown[]) {
    for (const part of parts) {
      if (part === null || typeof part !== 'object') throw shapeError('content[]');
      const { type, text, thinking } = part as Fields;
      if (type === 'text' && typeof text === 'string' && text) this.add('text-delta', text);
      else if (type === 'thinking' && Array.isArray(thinking)) {
        for (const piece of thinking) {
          const pieceText = (piece as Fields | null)?.text;
          if (typeof pieceText === 'string' && pieceText) this.add('reasoning-delta', pieceText);
        }
      }
    }
  }

  private readToolCall(call: unknown) {
    if (call === null || typeof call !== 'object') throw shapeError('tool_calls[]');
    const { index, id, function: fn } = call as Fields;
    if (index != null && typeof index !== 'number') throw shapeError('tool_calls[].index');
    if (id != null && typeof id !== 'string') throw shapeError('tool_calls[].id');
    // Without an index (some proxies), a new id starts a new call and fragments extend the last.
    const at =
      typeof index === 'number'
        ? index
        : id && this.calls.get(this.lastCallIndex)?.id !== id
          ? this.lastCallIndex + 1
          : Math.max(this.lastCallIndex, 0);
    let draft = this.calls.get(at);
    if (!draft) {
      draft = { name: '', arguments: '' };
      this.calls.set(at, draft);
    }
    this.lastCallIndex = at;
    if (id && draft.id === undefined) draft.id = id;
    if (fn == null) return;
    if (typeof fn !== 'object') throw shapeError('tool_calls[].function');
    const { name, arguments: fragment } = fn as Fields;
    if (name != null && typeof name !== 'string') throw shapeError('function.name');
    if (fragment != null && typeof fragment !== 'string') throw shapeError('function.arguments');
    if (name && !draft.name) draft.name = name;
    if (fragment) draft.arguments += fragment;
  }

  private readUsage(usage: unknown) {
    if (typeof usage !== 'object') throw shapeError('usage');
    const { prompt_tokens: input, completion_tokens: output } = usage as Fields;
    if (typeof input === 'number') this.inputTokens = input;
    if (typeof output === 'number') this.outputTokens = output;
  }

  /** Appends a delta to the batch, joined with the last part when that is a delta of the same kind. */
  private add(type: 'text-delta' | 'reasoning-delta', delta: string) {
    if (type === 'text-delta') this.textSoFar += delta;
    const last = this.queued[this.queued.length - 1];
    if (last?.type === type) last.delta += delta;
    else this.queued.push({ type, delta });
  }
}

function parseChunk(data: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    // The event itself stays out of the message: it may be some other service's answer.
    throw protocolError('the provider sent an event that is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw protocolError('the provider sent an event that is not a JSON object');
  return value as Fields;
}

/**
 * An error reported inside the stream, mapped like an HTTP error of the status it implies (its
 * own `status`/`code` number, else what its type or code names); the message is ours.
 */
function streamError(error: unknown): ProviderError {
  const fields: Fields = error !== null && typeof error === 'object' ? (error as Fields) : {};
  const mapped = httpProviderError(impliedStatus(fields), JSON.stringify(error));
  return new ProviderError(
    mapped.code,
    `the provider reported an error during the reply (${mapped.code})`,
    mapped.retryable,
  );
}

function impliedStatus(fields: Fields): number {
  for (const value of [fields.status, fields.code]) {
    const status = Number(value);
    if (Number.isInteger(status) && status >= 400 && status <= 599) return status;
  }
  const kind = `${fields.type ?? ''} ${fields.code ?? ''}`.toLowerCase();
  if (/rate.?limit|quota|too.?many/.test(kind)) return 429;
  if (/auth|api.?key|permission/.test(kind)) return 401;
  if (/not.?found/.test(kind)) return 404;
  if (/invalid|bad.?request|context.?length/.test(kind)) return 400;
  return 500;
}

function shapeError(field: string): ProviderError {
  return protocolError(`the provider sent an event whose ${field} has the wrong type`);
}

function protocolError(message: string): ProviderError {
  return new ProviderError('provider_protocol_error', message, false);
}
