import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { messageRow } from '../db/message-row.js';
import type { ConversationRow, MessageError, MessageRow, NewMessageRow } from '../db/schema/index.js';
import type { WriterLocks } from '../db/storage.js';
import { AppError, invalidRequest } from '../errors.js';
import { newId } from '../ids.js';
import type { ChatModel, FinishReason } from '../providers/types.js';
import type { ReplyBus, ReplyEvent } from '../realtime/reply-bus.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createMessageRepository, type MessageFinish } from '../repositories/message.repository.js';
import type { ConversationService } from './conversation.service.js';
import type { ConversationContextService } from './conversation-context.service.js';
import type { ConversationTitleService } from './conversation-title.service.js';
import type { ModelService } from './model.service.js';
import { DATABASE_UNAVAILABLE, replyFailure } from './reply-failure.js';
import { followReply, messageStart } from './reply-follow.js';
import { createLateReplyStore, settleWithin } from './reply-late-store.js';

/** What the reply service needs from context assembly. */
export type ReplyContext = Pick<ConversationContextService, 'build' | 'afterReply'>;

type Part = ReplyEvent['part'];

/** A reply that was started: follow `replyId` on the bus from sequence 0 to stream it. */
export interface StartedReply {
  replyId: string;
  conversationId: string;
}

/** How long the writer waits on the database at the end of a reply, and how it follows one. */
export interface ReplyLimits {
  /** The final write may take this long before the client is told the reply was interrupted. */
  finishWaitMs: number;
  /** After that, the writer keeps trying to store the reply this long (then the sweep does). */
  storeRetryMs: number;
  /** A silent follower checks this often that the writer still lives (default 4 flushes). */
  writerCheckMs: number;
  /** A follower waits this long for a database that cannot answer before it ends. */
  followGiveUpMs: number;
}

/**
 * Writes replies: commits the user's message, creates the reply row before the first token,
 * streams the model through the bus (so any tab or instance can follow), flushes the text
 * while it grows, and stores how it ended. Generation runs detached from the request that
 * started it; a cancel from any instance reaches it through the bus.
 */
export function createReplyService(deps: {
  db: Database;
  config: Config['chat'];
  models: ModelService;
  conversations: ConversationService;
  context: ReplyContext;
  titles: ConversationTitleService;
  bus: ReplyBus;
  /** Tells whether the writer of a reply another process writes still lives. */
  locks: WriterLocks;
  writerId: string;
  log: FastifyBaseLogger;
  limits?: Partial<ReplyLimits>;
}) {
  const limits: ReplyLimits = {
    finishWaitMs: 5_000,
    storeRetryMs: 5 * 60_000,
    writerCheckMs: 4 * deps.config.flushIntervalMs,
    followGiveUpMs: 60_000,
    ...deps.limits,
  };
  const messages = createMessageRepository(deps.db);
  const conversationRows = createConversationRepository(deps.db);
  const avatars = createAvatarRepository(deps.db);
  let closing = false;
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  // Replies whose row is being inserted (not yet running), and replies that ended while the
  // database was away and are still being stored: both are this process's, not orphans.
  const starting = new Set<string>();
  const late = createLateReplyStore({
    messages,
    attemptMs: limits.finishWaitMs,
    forMs: limits.storeRetryMs,
    stopped: () => closing,
    log: deps.log,
  });
  const isWriting = (replyId: string) => running.has(replyId) || starting.has(replyId) || late.has(replyId);
  const stopListening = deps.bus.onCancel((replyId) => running.get(replyId)?.controller.abort());

  function checkContent(content: string): string {
    if (content.trim() === '') throw new AppError(400, 'message_empty', 'The message is empty');
    if (content.length > deps.config.maxMessageChars) {
      throw new AppError(
        400,
        'message_too_long',
        `The message is longer than ${deps.config.maxMessageChars.toLocaleString('en')} characters`,
        { maxChars: deps.config.maxMessageChars },
      );
    }
    return content;
  }

  // "Last used" needs minutes, not milliseconds: one write per avatar per minute at most.
  const touched = new Map<string, number>();
  function touchAvatar(avatarId: string) {
    if (Date.now() - (touched.get(avatarId) ?? 0) < 60_000) return;
    touched.set(avatarId, Date.now());
    if (touched.size > 10_000) touched.clear();
    void avatars.touch(avatarId).catch(() => {});
  }

  async function addMessage(row: Parameters<typeof messages.insert>[0]): Promise<MessageRow> {
    const [message] = await messages.append(row.conversationId, [row]);
    return message!;
  }

  type Built = Awaited<ReturnType<ReplyContext['build']>>;

  /** Starts the reply to the last message of `branch`, with the context built for it. */
  async function startReply(
    userId: string,
    conversation: ConversationRow,
    branch: MessageRow[],
    { assembled, chain }: Built,
    preface: Part[],
    /** A user message to store with the reply (in the same transaction); it ends `branch`. */
    question?: NewMessageRow,
  ): Promise<StartedReply> {
    const parent = branch.at(-1)!;
    const replyId = newId();
    // Registered before the row exists, so the recovery sweep never takes it for an orphan.
    starting.add(replyId);
    let rows: MessageRow[];
    try {
      rows = await messages.append(conversation.id, [
        ...(question ? [question] : []),
        {
          id: replyId,
          conversationId: conversation.id,
          ownerId: userId,
          parentId: parent.id,
          role: 'assistant',
          status: 'streaming',
          model: chain[0]?.info.id ?? null,
          writerId: deps.writerId,
        },
      ]);
    } finally {
      starting.delete(replyId);
    }
    const reply = rows.at(-1)!;
    touchAvatar(conversation.avatarId);
    let seq = 0;
    const publish = (part: Part) => deps.bus.publish(reply.id, { seq: ++seq, part });
    for (const part of preface) publish(part);
    publish(messageStart(reply, false));
    const controller = new AbortController();
    const done = generate({ userId, conversation, branch, reply, chain, assembled, publish, controller })
      .catch((err) => deps.log.error({ err, replyId: reply.id }, 'reply failed'))
      .finally(() => {
        running.delete(reply.id);
        deps.bus.end(reply.id);
      });
    running.set(reply.id, { controller, done });
    return { replyId: reply.id, conversationId: conversation.id };
  }

  async function generate(run: {
    userId: string;
    conversation: ConversationRow;
    branch: MessageRow[];
    reply: MessageRow;
    chain: ChatModel[];
    assembled: Built['assembled'];
    publish: (part: Part) => void;
    controller: AbortController;
  }): Promise<void> {
    const { reply, publish } = run;
    let content = '';
    let flushed = '';
    let model = reply.model;
    let error: MessageError | null = null;
    let finishReason: FinishReason | null = null;
    let usage: { inputTokens: number; outputTokens: number } | null = null;
    let costUsd: number | null = null;
    let timings = { timeToFirstTokenMs: null as number | null, durationMs: 0 };
    let flushing: Promise<void> | undefined;
    let flushFailures = 0;
    const flush = () => {
      if (flushing || content === flushed) return;
      const text = content;
      // A failed flush is retried by the next one (each writes the whole text); while the
      // database is away that is every interval, so only the first failure in a row is a warning.
      flushing = messages
        .flush(reply.id, text)
        .then(() => {
          flushed = text;
          flushFailures = 0;
        })
        .catch((err) =>
          deps.log[flushFailures++ === 0 ? 'warn' : 'debug']({ err, replyId: reply.id }, 'flush failed'),
        )
        .finally(() => {
          flushing = undefined;
        });
    };
    const flusher = setInterval(flush, deps.config.flushIntervalMs);
    try {
      for await (const part of deps.models.stream(run.userId, {
        messages: run.assembled.messages,
        chain: run.chain,
        purpose: 'chat',
        maxOutputTokens: run.assembled.tokens.replyBudget,
        signal: run.controller.signal,
        avatarId: run.conversation.avatarId,
      })) {
        switch (part.type) {
          case 'model':
            if (part.modelId !== model) publish({ type: 'model', modelId: part.modelId });
            model = part.modelId;
            break;
          case 'text-delta':
            content += part.delta;
            publish({ type: 'text-delta', delta: part.delta });
            break;
          case 'error':
            error = { code: part.code, message: part.message };
            publish({ type: 'error', code: part.code, message: part.message });
            break;
          case 'finish':
            finishReason = part.finishReason;
            break;
          case 'usage':
            usage = part.usage;
            break;
          case 'call-summary':
            costUsd = part.summary.costUsd;
            timings = {
              timeToFirstTokenMs: part.summary.timeToFirstTokenMs,
              durationMs: part.summary.durationMs,
            };
            break;
        }
      }
    } catch (err) {
      // The stream failed outside the part protocol (resolving the chain, or recording usage
      // when the database went away). The client sees a stable code and our own words, never
      // the error's text (a driver error carries the SQL and its parameters).
      error = replyFailure(err);
      if (error.code === 'internal_error') deps.log.error({ err, replyId: reply.id }, 'reply failed');
      else deps.log.warn({ err, replyId: reply.id }, 'reply stopped');
      publish({ type: 'error', ...error });
    } finally {
      clearInterval(flusher);
      // A flush stuck on a database that does not answer must not hold the end of the reply.
      if (flushing) await settleWithin(flushing, limits.finishWaitMs);
    }
    // Stopped by a person → cancelled; stopped because the server is shutting down, or because
    // the database went away → interrupted.
    const status = run.controller.signal.aborted
      ? closing
        ? 'interrupted'
        : 'cancelled'
      : error?.code === DATABASE_UNAVAILABLE.code
        ? 'interrupted'
        : error
          ? 'error'
          : 'complete';
    if (status === 'interrupted' && !error)
      error = { code: 'interrupted', message: 'The server stopped while this reply was being written' };
    const fields: MessageFinish = {
      content,
      status,
      error,
      model,
      finishReason: run.controller.signal.aborted
        ? 'cancelled'
        : (finishReason ?? (error ? 'error' : 'stop')),
      inputTokens: usage?.inputTokens ?? null,
      outputTokens: usage?.outputTokens ?? null,
      costUsd,
      timeToFirstTokenMs: timings.timeToFirstTokenMs,
      durationMs: timings.durationMs,
      writerId: null,
    };
    const attempt = messages.finish(reply.id, fields);
    const outcome = await settleWithin(attempt, limits.finishWaitMs);
    if (!('row' in outcome)) {
      // The client is not kept waiting on the database: it learns now that the reply stopped,
      // and the row is stored `interrupted` (with all the text written) once the database is back.
      if ('err' in outcome)
        deps.log.warn({ err: outcome.err, replyId: reply.id }, 'storing the reply failed');
      const failure = 'err' in outcome ? replyFailure(outcome.err) : DATABASE_UNAVAILABLE;
      if (error?.code !== failure.code) publish({ type: 'error', ...failure });
      if (usage) publish({ type: 'usage', ...usage, costUsd });
      publish({ type: 'finish', status: 'interrupted', finishReason: 'error', timings });
      late.store(reply.id, attempt, {
        ...fields,
        status: 'interrupted',
        finishReason: 'error',
        error: failure,
      });
      return;
    }
    const finished = outcome.row;
    if (usage) publish({ type: 'usage', ...usage, costUsd });
    publish({ type: 'finish', status, finishReason: finished?.finishReason ?? null, timings });
    if (status === 'complete') {
      await nameConversation(run, content, publish).catch((err) =>
        deps.log.warn({ err }, 'automatic title failed'),
      );
      // The context built for this turn tells whether the window is filling up.
      deps.context.afterReply(
        run.userId,
        run.conversation,
        [...run.branch, ...(finished ? [finished] : [])],
        run.assembled,
      );
    }
  }

  /** After the first exchange, an automatic title (unless the user already named it). */
  async function nameConversation(
    run: { userId: string; conversation: ConversationRow; branch: MessageRow[]; chain: ChatModel[] },
    replyText: string,
    publish: (part: Part) => void,
  ) {
    if (run.conversation.titleSource !== 'auto' || run.conversation.title !== '') return;
    const current = await deps.conversations.get(run.userId, run.conversation.id);
    if (current.titleSource !== 'auto' || current.title !== '') return;
    const userText = run.branch.findLast((m) => m.role === 'user')?.content ?? '';
    if (userText === '') return;
    const title = await deps.titles.titleFor(run.userId, {
      userText,
      replyText,
      chain: run.chain,
      avatarId: current.avatarId,
    });
    await conversationRows.setAutoTitle(current.id, title);
    publish({ type: 'title', conversationId: current.id, title });
  }

  /**
   * Stores a user message and starts its reply. The context is built first, with the message
   * not yet stored, so "no model" or "local only" refuses before anything is written.
   */
  async function answerUserMessage(
    userId: string,
    conversation: ConversationRow,
    input: { parentId: string | null; content: string; metadata: Record<string, unknown> },
  ): Promise<StartedReply> {
    const above = input.parentId ? await messages.branch(userId, input.parentId) : [];
    const pending = messageRow({
      id: newId(),
      conversationId: conversation.id,
      ownerId: userId,
      parentId: input.parentId,
      role: 'user',
      content: input.content,
      metadata: input.metadata,
    });
    const built = await deps.context.build(userId, conversation, [...above, pending]);
    const { id, conversationId, ownerId, parentId, role, content, metadata, createdAt } = pending;
    return startReply(userId, conversation, [...above, pending], built, [messageStart(pending, true)], {
      id,
      conversationId,
      ownerId,
      parentId,
      role,
      content,
      metadata,
      createdAt,
      updatedAt: createdAt,
    });
  }

  async function getReply(userId: string, messageId: string): Promise<MessageRow> {
    const message = await deps.conversations.getMessage(userId, messageId);
    if (message.role !== 'assistant') throw invalidRequest('Only replies can be streamed');
    return message;
  }

  return {
    getReply,

    /** Follows a reply this request just started (already authorized: it created it). */
    followStarted: (replyId: string, signal: AbortSignal) => deps.bus.follow(replyId, 0, signal),

    /** Adds the user's message (committed before the model is called) and starts the reply. */
    async send(
      userId: string,
      conversationId: string,
      input: { content: string; parentId?: string | undefined },
    ): Promise<StartedReply> {
      const content = checkContent(input.content);
      const conversation = await deps.conversations.get(userId, conversationId);
      let parentId = conversation.activeLeafId;
      if (input.parentId) {
        const parent = await messages.findOwned(userId, input.parentId);
        if (!parent || parent.conversationId !== conversation.id) {
          throw invalidRequest('parentId must be a message of this conversation');
        }
        parentId = parent.id;
      }
      return answerUserMessage(userId, conversation, { parentId, content, metadata: {} });
    },

    /** A new reply: a sibling of a reply, or another answer to a user message. */
    async regenerate(userId: string, messageId: string): Promise<StartedReply> {
      const message = await deps.conversations.getMessage(userId, messageId);
      const conversation = await deps.conversations.get(userId, message.conversationId);
      const parentId = message.role === 'user' ? message.id : message.parentId;
      if (!parentId) {
        throw new AppError(400, 'cannot_regenerate_greeting', 'A greeting has no question to answer again');
      }
      const branch = await messages.branch(userId, parentId);
      return startReply(
        userId,
        conversation,
        branch,
        await deps.context.build(userId, conversation, branch),
        [],
      );
    },

    /**
     * Editing a user message adds a sibling with the new text and a new reply; editing a reply
     * adds a sibling reply with the new text (no model call).
     */
    async edit(userId: string, messageId: string, input: { content: string }): Promise<StartedReply> {
      const content = checkContent(input.content);
      const message = await deps.conversations.getMessage(userId, messageId);
      const conversation = await deps.conversations.get(userId, message.conversationId);
      const metadata = { editedFrom: message.id };
      if (message.role === 'user') {
        return answerUserMessage(userId, conversation, { parentId: message.parentId, content, metadata });
      }
      const edited = await addMessage({
        conversationId: conversation.id,
        ownerId: userId,
        parentId: message.parentId,
        role: message.role,
        content,
        metadata,
        model: message.model,
      });
      const events: Part[] = [
        messageStart(edited, false),
        { type: 'text-delta', delta: content },
        { type: 'finish', status: 'complete', finishReason: 'stop', timings: null },
      ];
      for (const [index, part] of events.entries()) deps.bus.publish(edited.id, { seq: index + 1, part });
      deps.bus.end(edited.id);
      return { replyId: edited.id, conversationId: conversation.id };
    },

    /** Stops a reply in flight (here or on another instance); answers with the message as stored. */
    async cancel(userId: string, messageId: string): Promise<MessageRow> {
      const message = await deps.conversations.getMessage(userId, messageId);
      if (message.status !== 'streaming') return message;
      const local = running.get(message.id);
      if (local) {
        local.controller.abort();
        await local.done;
      } else {
        await deps.bus.cancel(message.id);
        for (let i = 0; i < 40; i++) {
          const current = await deps.conversations.getMessage(userId, messageId);
          if (current.status !== 'streaming') return current;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      return deps.conversations.getMessage(userId, messageId);
    },

    /** The parts of a reply after `afterSeq`, ending with `finish` (reply-follow.ts). */
    async *follow(userId: string, messageId: string, afterSeq: number, signal: AbortSignal) {
      const message = await getReply(userId, messageId);
      yield* followReply(
        {
          bus: deps.bus,
          load: (id) => deps.conversations.getMessage(userId, id),
          writerAlive: async (row) =>
            row.writerId === deps.writerId
              ? isWriting(row.id)
              : row.writerId !== null && (await deps.locks.isHeld(row.writerId)),
          interrupt: async (id) => (await messages.interruptReplies([id]))[0],
          pollMs: deps.config.flushIntervalMs,
          checkMs: limits.writerCheckMs,
          giveUpMs: limits.followGiveUpMs,
        },
        message,
        afterSeq,
        signal,
      );
    },

    /** Whether this process writes the reply (or is still storing it): not an orphan. */
    isWriting,

    /** Replies being written by this process (for shutdown and tests). */
    inFlight: () => running.size,

    /** Stops every reply of this process and waits for them to be stored (shutdown). */
    async close(): Promise<void> {
      closing = true;
      stopListening();
      for (const { controller } of running.values()) controller.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}

export type ReplyService = ReturnType<typeof createReplyService>;
