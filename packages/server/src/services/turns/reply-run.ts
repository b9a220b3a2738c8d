import type { FastifyBaseLogger } from 'fastify';
import type { CodedError } from '../../domain/error-codes.js';
import type { GenerationSettings } from '../../domain/generation-settings.js';
import type { Message } from '../../domain/message.js';
import type { FinishReason, ReplyEndStatus, ReplyTimings } from '../../domain/reply.js';
import type { UsageEvent } from '../../domain/usage.js';
import { newId } from '../../ids.js';
import { chatMessagesOf } from '../../prompt/history-messages.js';
import type { FallbackPart } from '../../providers/fallback.js';
import type { ChatMessage, ChatModel, ToolCall, ToolDefinition } from '../../providers/types.js';
import type { CallSummaryPart } from '../../providers/usage-recorder.js';
import type { StreamPart, Usage } from '../../realtime/stream-parts.js';
import type { MessageRepository } from '../../repositories/message.repository.js';
import type { ReplyFinish } from '../../repositories/reply-statements.js';
import type { ModelService } from '../model.service.js';
import { coalescedDeltas } from './coalesced-deltas.js';
import { DATABASE_UNAVAILABLE, replyFailure } from './reply-failure.js';
import type { ReplyFlusher } from './reply-flusher.js';
import type { createLateReplyStore } from './reply-late-store.js';
import { settleWithin } from './reply-late-store.js';
import { replyParts } from './reply-parts.js';
import type { RunningReply } from './reply-registry.js';

/**
 * Answers a model's tool calls. No tool exists yet (issue 16): the engine is given none, and a
 * step that ends with tool calls ends the reply with finish reason `tool-calls`.
 */
export interface ToolRunner {
  /** What the model is offered. */
  definitions: ToolDefinition[];
  /** Runs one call. A failing tool answers `isError` with its words for the model; it never throws. */
  run(call: ToolCall, signal: AbortSignal): Promise<{ output: unknown; isError: boolean }>;
}

export interface ReplyRunDeps {
  models: Pick<ModelService, 'stream'>;
  messages: Pick<MessageRepository, 'finishReply'>;
  flusher: ReplyFlusher;
  late: Pick<ReturnType<typeof createLateReplyStore>, 'store'>;
  /** The final write may take this long before the client is told the reply was interrupted. */
  finishWaitMs: number;
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  tools?: ToolRunner;
  /** Model calls one reply may make (each tool round is one more); default 8. */
  maxSteps?: number;
}

export interface ReplyRunInput {
  userId: string;
  /** The reply's row as inserted (`streaming`, its parts those it starts with). */
  reply: Message;
  /** The avatar the call speaks for (kept with the usage record). */
  avatarId: string;
  chain: ChatModel[];
  /** What the model is sent (the assembled context). */
  history: ChatMessage[];
  maxOutputTokens: number;
  /** Effective generation settings (conversation ▸ avatar ▸ preset); none: the provider's defaults. */
  generation?: GenerationSettings | undefined;
  running: RunningReply;
  publish(part: StreamPart): void;
  /** The first step, when the engine started it before the row was written (startEarlyStep). */
  firstStep?: EarlyStep;
}

export interface ReplyOutcome {
  status: ReplyEndStatus;
  /** The row as stored; undefined when the final write did not land (the late store has it). */
  stored: Message | undefined;
}

/** What a model step needs to call the model. */
export type ModelStepInput = Pick<
  ReplyRunInput,
  'userId' | 'chain' | 'maxOutputTokens' | 'avatarId' | 'generation'
> & {
  signal: AbortSignal;
};

/**
 * One model call of a reply (a step): streams from the chain with retries and fallback; the
 * call's usage event goes to `usageEvents` (with an id made now, so a finish written twice — the
 * late store — records each call once), stored with the reply's finish.
 */
export function modelStep(
  deps: Pick<ReplyRunDeps, 'models' | 'tools'>,
  input: ModelStepInput,
  messages: ChatMessage[],
  usageEvents: UsageEvent[],
) {
  return deps.models.stream(input.userId, {
    messages,
    chain: input.chain,
    purpose: 'chat',
    maxOutputTokens: input.maxOutputTokens,
    ...(input.generation ? { settings: input.generation } : {}),
    signal: input.signal,
    avatarId: input.avatarId,
    recordUsage: (event: UsageEvent) => usageEvents.push({ ...event, id: newId() }),
    ...(deps.tools ? { tools: deps.tools.definitions } : {}),
  });
}

/**
 * A model step started before the reply's row was written (the engine calls the model while the
 * database works): its stream, already asked for its first part, and the usage events it records.
 */
export interface EarlyStep {
  stream: AsyncIterableIterator<FallbackPart | CallSummaryPart>;
  usageEvents: UsageEvent[];
}

/** Parts the fallback chain says before the model answers: a step pulled early goes past them. */
const BEFORE_THE_ANSWER = new Set(['attempt', 'skipped', 'failed']);

/**
 * Starts a model step now: its parts are pulled at once until the model answers (the first part
 * past the fallback chain's own `attempt`/`skipped`/`failed`) or until the run starts reading,
 * so the request is in flight while the caller does other work; the run then gets those parts
 * first, in order, and reads on from the stream itself.
 */
export function startEarlyStep(
  deps: Pick<ReplyRunDeps, 'models' | 'tools'>,
  input: ModelStepInput,
  messages: ChatMessage[],
): EarlyStep {
  type Part = FallbackPart | CallSummaryPart;
  const usageEvents: UsageEvent[] = [];
  const iterator = modelStep(deps, input, messages, usageEvents);
  const pulled: IteratorResult<Part>[] = [];
  let failure: { err: unknown } | undefined;
  // Set when the run reads (or the step is dropped): the early pulling stops there.
  let reading = false;
  const pulling = (async () => {
    try {
      while (!reading) {
        const result = await iterator.next();
        pulled.push(result);
        if (result.done || !BEFORE_THE_ANSWER.has(result.value.type)) return;
      }
    } catch (err) {
      failure = { err };
    }
  })();
  const stream: AsyncIterableIterator<Part> = {
    async next() {
      if (!reading) {
        reading = true;
        await pulling;
      }
      const next = pulled.shift();
      if (next) return next;
      if (failure) {
        const { err } = failure;
        failure = undefined;
        throw err;
      }
      return iterator.next();
    },
    async return(value?: unknown) {
      reading = true;
      await pulling;
      pulled.length = 0;
      return iterator.return(value as never);
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return { stream, usageEvents };
}

/**
 * One reply run: model stream → parts → flushes → finish. A step is one model call; when a step
 * ends with tool calls and a tool runner is given, their results are added and the next step
 * runs with them. Every part is published on the reply's stream as it comes; the row is flushed
 * while it grows and stored once at the end with how it ended, after which `usage` and `finish`
 * are published. A database that does not take the final write in `finishWaitMs` does not keep
 * the client waiting: it is told `interrupted`, and the late store writes the row later.
 */
export async function runReply(deps: ReplyRunDeps, input: ReplyRunInput): Promise<ReplyOutcome> {
  const { reply, publish, running } = input;
  const parts = replyParts(reply.parts.slice());
  const start = parts.mark();
  let model = reply.model;
  let error: CodedError | null = null;
  let finishReason: FinishReason | null = null;
  let usage = null as Usage | null;
  const timings: ReplyTimings = { timeToFirstTokenMs: null, durationMs: 0 };
  const flushing = deps.flusher(reply.id, parts);
  const deltas = coalescedDeltas(publish);
  // Each model call's usage event, stored with the finish (one statement).
  const usageEvents = input.firstStep?.usageEvents ?? [];
  try {
    let messages = input.history;
    for (let step = 1; ; step++) {
      finishReason = null;
      const stream =
        step === 1 && input.firstStep
          ? input.firstStep.stream
          : modelStep(deps, { ...input, signal: running.signal }, messages, usageEvents);
      for await (const part of stream) {
        // Deltas are stored at once and published coalesced; anything else goes out after them.
        if (part.type === 'text-delta') {
          parts.text(part.delta);
          deltas.add('text-delta', part.delta);
          continue;
        }
        if (part.type === 'reasoning-delta') {
          parts.reasoning(part.delta);
          deltas.add('reasoning-delta', part.delta);
          continue;
        }
        deltas.flush();
        switch (part.type) {
          case 'model':
            if (part.modelId !== model) publish({ type: 'model', modelId: part.modelId });
            model = part.modelId;
            break;
          case 'tool-call': {
            const call = {
              type: 'tool-call',
              toolCallId: part.toolCallId,
              toolName: part.toolName,
              input: part.input,
            } as const;
            parts.add(call);
            publish(call);
            break;
          }
          case 'error':
            error = { code: part.code, message: part.message };
            publish({ type: 'error', code: part.code, message: part.message });
            break;
          case 'finish':
            finishReason = part.finishReason;
            break;
          case 'usage':
            usage = {
              inputTokens: (usage?.inputTokens ?? 0) + part.usage.inputTokens,
              outputTokens: (usage?.outputTokens ?? 0) + part.usage.outputTokens,
              costUsd: usage?.costUsd ?? null,
            };
            break;
          case 'call-summary': {
            const { summary } = part;
            if (usage && summary.costUsd !== null) usage.costUsd = (usage.costUsd ?? 0) + summary.costUsd;
            timings.timeToFirstTokenMs ??= summary.timeToFirstTokenMs;
            timings.durationMs = (timings.durationMs ?? 0) + summary.durationMs;
            break;
          }
        }
      }
      deltas.flush();
      const calls = parts.openCalls();
      if (error || running.signal.aborted || finishReason !== 'tool-calls' || calls.length === 0) break;
      if (!deps.tools || step >= (deps.maxSteps ?? 8)) break;
      for (const call of calls) {
        const { output, isError } = await deps.tools.run(callOf(call), running.signal);
        const result = {
          type: 'tool-result',
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          output,
          isError,
        } as const;
        parts.add(result);
        publish(result);
      }
      if (running.signal.aborted) break;
      // The next step sees what this run wrote: its text, its calls and their results.
      messages = [...input.history, ...chatMessagesOf({ role: 'assistant', parts: parts.since(start) })];
    }
  } catch (err) {
    // The stream failed outside the part protocol (resolving the chain, a tool runner that
    // threw). The client sees a stable code and our own words, never the error's text (a driver
    // error carries the SQL and its parameters).
    deltas.flush();
    error = replyFailure(err);
    if (error.code === 'internal_error') deps.log.error({ err, replyId: reply.id }, 'reply failed');
    else deps.log.warn({ err, replyId: reply.id }, 'reply stopped');
    publish({ type: 'error', ...error });
  } finally {
    deltas.flush();
    await flushing.stop();
  }

  // Stopped by a person → cancelled; stopped because the server is shutting down, or because
  // the database went away → interrupted.
  const stoppedFor = running.stoppedFor();
  const status: ReplyEndStatus = running.signal.aborted
    ? stoppedFor === 'shutdown'
      ? 'interrupted'
      : 'cancelled'
    : error?.code === DATABASE_UNAVAILABLE.code
      ? 'interrupted'
      : error
        ? 'error'
        : 'complete';
  if (status === 'interrupted' && !error)
    error = { code: 'interrupted', message: 'The server stopped while this reply was being written' };
  const fields: ReplyFields = {
    parts: parts.list().slice(),
    status,
    error,
    model,
    finishReason: running.signal.aborted ? 'cancelled' : (finishReason ?? (error ? 'error' : 'stop')),
    inputTokens: usage?.inputTokens ?? null,
    outputTokens: usage?.outputTokens ?? null,
    costUsd: usage?.costUsd ?? null,
    timeToFirstTokenMs: timings.timeToFirstTokenMs,
    durationMs: timings.durationMs,
    writerId: null,
  };
  const attempt = finishWithUsage(deps, reply, fields, usageEvents);
  const outcome = await settleWithin(attempt, deps.finishWaitMs);
  if (!('row' in outcome)) {
    // The client is not kept waiting on the database: it learns now that the reply stopped, and
    // the row is stored `interrupted` (with all the parts written) once the database is back.
    if ('err' in outcome) deps.log.warn({ err: outcome.err, replyId: reply.id }, 'storing the reply failed');
    const failure = 'err' in outcome ? replyFailure(outcome.err) : DATABASE_UNAVAILABLE;
    if (error?.code !== failure.code) publish({ type: 'error', ...failure });
    if (usage) publish({ type: 'usage', ...usage });
    publish({ type: 'finish', status: 'interrupted', finishReason: 'error', timings });
    const kept: ReplyFields = { ...fields, status: 'interrupted', finishReason: 'error', error: failure };
    deps.late.store(reply.id, attempt, () => deps.messages.finishReply(reply, kept, usageEvents));
    return { status: 'interrupted', stored: undefined };
  }
  const stored = outcome.row;
  if (usage) publish({ type: 'usage', ...usage });
  publish({ type: 'finish', status, finishReason: stored?.finishReason ?? null, timings });
  return { status, stored };
}

/**
 * Stores how the reply ended together with its usage events (one statement). Recording usage can
 * never fail a reply: when the database refuses the statement (not when it is away — then the
 * late store writes both later), the reply is stored without its usage, and that is logged.
 */
async function finishWithUsage(
  deps: ReplyRunDeps,
  reply: Message,
  fields: ReplyFields,
  usage: UsageEvent[],
): Promise<Message | undefined> {
  try {
    return await deps.messages.finishReply(reply, fields, usage);
  } catch (err) {
    if (usage.length === 0 || replyFailure(err).code === DATABASE_UNAVAILABLE.code) throw err;
    deps.log.warn({ err, replyId: reply.id }, 'usage not recorded; the reply was stored without it');
    return deps.messages.finishReply(reply, fields);
  }
}

/** Every column a reply's final write sets (its content is the text of its parts). */
type ReplyFields = Omit<ReplyFinish, 'content'>;

const callOf = (call: ToolCall) => ({
  toolCallId: call.toolCallId,
  toolName: call.toolName,
  input: call.input,
});
