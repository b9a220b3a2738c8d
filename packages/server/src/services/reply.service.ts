import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { messageRow } from '../db/message-row.js';
import type { ConversationRow, MessageError, MessageRow, NewMessageRow } from '../db/schema/index.js';
import { AppError, invalidRequest } from '../errors.js';
import { newId } from '../ids.js';
import type { ChatModel, FinishReason } from '../providers/types.js';
import type { ReplyBus, ReplyEvent } from '../realtime/reply-bus.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import type { ConversationService } from './conversation.service.js';
import type { ConversationContextService } from './conversation-context.service.js';
import type { ConversationTitleService } from './conversation-title.service.js';
import type { ModelService } from './model.service.js';

/** What the reply service needs from context assembly. */
export type ReplyContext = Pick<ConversationContextService, 'build' | 'afterReply'>;

type Part = ReplyEvent['part'];

/** A reply that was started: follow `replyId` on the bus from sequence 0 to stream it. */
export interface StartedReply {
  replyId: string;
  conversationId: string;
}

const messageStart = (message: MessageRow, withContent: boolean): Part => ({
  type: 'message-start',
  messageId: message.id,
  parentId: message.parentId,
  role: message.role,
  model: message.model,
  ...(withContent ? { content: message.content } : {}),
  createdAt: message.createdAt.toISOString(),
});

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
  writerId: string;
  log: FastifyBaseLogger;
}) {
  const messages = createMessageRepository(deps.db);
  const conversationRows = createConversationRepository(deps.db);
  const avatars = createAvatarRepository(deps.db);
  let closing = false;
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
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
    const rows = await messages.append(conversation.id, [
      ...(question ? [question] : []),
      {
        id: newId(),
        conversationId: conversation.id,
        ownerId: userId,
        parentId: parent.id,
        role: 'assistant',
        status: 'streaming',
        model: chain[0]?.info.id ?? null,
        writerId: deps.writerId,
      },
    ]);
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
    const flush = () => {
      if (flushing || content === flushed) return;
      const text = content;
      flushing = messages
        .flush(reply.id, text)
        .then(() => {
          flushed = text;
        })
        .catch((err) => deps.log.warn({ err, replyId: reply.id }, 'flush failed'))
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
      // Resolving the chain or the stream itself failed outside the part protocol.
      const appError = err as { code?: string; message?: string };
      error = { code: appError.code ?? 'internal_error', message: appError.message ?? 'The reply failed' };
      publish({ type: 'error', ...error });
    } finally {
      clearInterval(flusher);
      await flushing;
    }
    // Stopped by a person → cancelled; stopped because the server is shutting down → interrupted.
    const status = run.controller.signal.aborted
      ? closing
        ? 'interrupted'
        : 'cancelled'
      : error
        ? 'error'
        : 'complete';
    if (status === 'interrupted')
      error = { code: 'interrupted', message: 'The server stopped while this reply was being written' };
    const finished = await messages.finish(reply.id, {
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
    });
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

    /**
     * The parts of a reply after `afterSeq`: live from the bus while it is known there, else a
     * snapshot from the database (a `message-start` carrying the text so far, replacing what the
     * client has), followed by polling while another process is still writing it.
     */
    async *follow(userId: string, messageId: string, afterSeq: number, signal: AbortSignal) {
      const message = await getReply(userId, messageId);
      if (await deps.bus.has(message.id)) {
        yield* deps.bus.follow(message.id, afterSeq, signal);
        return;
      }
      let seq = afterSeq;
      let current = message;
      yield { seq: ++seq, part: messageStart(current, true) };
      let sent = current.content;
      while (current.status === 'streaming' && !signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, deps.config.flushIntervalMs));
        current = await deps.conversations.getMessage(userId, messageId);
        if (current.content.startsWith(sent) && current.content.length > sent.length) {
          yield { seq: ++seq, part: { type: 'text-delta', delta: current.content.slice(sent.length) } };
          sent = current.content;
        }
      }
      if (current.error) yield { seq: ++seq, part: { type: 'error', ...current.error } };
      yield {
        seq: ++seq,
        part: {
          type: 'finish',
          status: current.status,
          finishReason: current.finishReason,
          timings: { timeToFirstTokenMs: current.timeToFirstTokenMs, durationMs: current.durationMs },
        },
      };
    },

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
