import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { WriterLocks } from '../db/storage.js';
import type { Conversation } from '../domain/conversation.js';
import type { Message } from '../domain/message.js';
import { AppError, invalidRequest, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { ReplyBus } from '../realtime/reply-bus.js';
import type { AvatarRepository } from '../repositories/avatar.repository.js';
import type { ConversationRepository } from '../repositories/conversation.repository.js';
import type { MessageRepository } from '../repositories/message.repository.js';
import type { MessageAttachmentRepository } from '../repositories/message-attachment.repository.js';
import type { ReplyFlushBatch } from '../repositories/reply-flush-batch.js';
import type { UsageRepository } from '../repositories/usage.repository.js';
import type { ConversationTitleService } from './conversation-title.service.js';
import type { ModelService } from './model.service.js';
import { type AfterReply, inProcessAfterReply } from './turns/after-reply.js';
import { attachmentParts } from './turns/attachment-parts.js';
import { planCompare, planConsensus, planMerge } from './turns/compare-planner.js';
import { createReplyEngine, type ReplyContext, type StartedReply } from './turns/reply-engine.js';
import { intervalFlusher } from './turns/reply-flusher.js';
import { followReply } from './turns/reply-follower.js';
import { createLateReplyStore } from './turns/reply-late-store.js';
import { createReplyRegistry } from './turns/reply-registry.js';
import type { ToolRunner } from './turns/reply-run.js';
import { type PlanContext, planContinue, planEdit, planRegenerate, planSend } from './turns/turn-planner.js';

export type { ReplyContext, StartedReply };

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
 * Replies: what routes call to send, regenerate, edit, continue, cancel and follow. A facade over
 * the engine in services/turns/ (docs/architecture.md): it loads and authorizes what a turn
 * needs, asks the planner for the plan, and hands it to the engine; cancels go through the
 * registry, the one way a reply is stopped.
 */
export function createReplyService(deps: {
  repositories: {
    messages: MessageRepository;
    conversations: Pick<ConversationRepository, 'findOwned' | 'setAutoTitle' | 'update'>;
    avatars: Pick<AvatarRepository, 'touch'>;
    /** Records the usage of a model call whose reply could not be stored. */
    usage: Pick<UsageRepository, 'record'>;
    /** Reads the attachments a send names (only when it names some). */
    attachments: Pick<MessageAttachmentRepository, 'facts'>;
  };
  config: Config['chat'];
  /** `chain` checks the models of a compare or merge before anything is stored. */
  models: Pick<ModelService, 'stream' | 'chain'>;
  context: ReplyContext;
  titles: ConversationTitleService;
  bus: ReplyBus;
  /** Tells whether the writer of a reply another process writes still lives. */
  locks: WriterLocks;
  writerId: string;
  log: FastifyBaseLogger;
  limits?: Partial<ReplyLimits>;
  /** Replaces the in-process title and summary runner (durable jobs). */
  afterReply?: AfterReply;
  /**
   * Writes the text of every streaming reply in one statement per tick
   * (repositories/reply-flush-batch.ts); without it, each reply has its own UPDATE per tick.
   */
  flushBatch?: Pick<ReplyFlushBatch, 'track'>;
  /** Answers tool calls (none exist yet: issue 16). */
  tools?: ToolRunner;
}) {
  const limits: ReplyLimits = {
    finishWaitMs: 5_000,
    storeRetryMs: 5 * 60_000,
    writerCheckMs: 4 * deps.config.flushIntervalMs,
    followGiveUpMs: 60_000,
    ...deps.limits,
  };
  const { messages, conversations } = deps.repositories;
  let closing = false;
  const late = createLateReplyStore({
    attemptMs: limits.finishWaitMs,
    forMs: limits.storeRetryMs,
    stopped: () => closing,
    log: deps.log,
  });
  const registry = createReplyRegistry({ bus: deps.bus, storing: late.has });
  const engine = createReplyEngine({
    messages,
    avatars: deps.repositories.avatars,
    usage: deps.repositories.usage,
    context: deps.context,
    bus: deps.bus,
    registry,
    run: {
      models: deps.models,
      messages,
      flusher: deps.flushBatch
        ? (replyId, parts) => deps.flushBatch!.track(replyId, parts, limits.finishWaitMs)
        : intervalFlusher({
            messages,
            intervalMs: deps.config.flushIntervalMs,
            waitMs: limits.finishWaitMs,
            log: deps.log,
          }),
      late,
      finishWaitMs: limits.finishWaitMs,
      log: deps.log,
      ...(deps.tools ? { tools: deps.tools } : {}),
    },
    afterReply:
      deps.afterReply ??
      inProcessAfterReply({ conversations, titles: deps.titles, context: deps.context, log: deps.log }),
    writerId: deps.writerId,
    log: deps.log,
  });

  /** The text of a message; empty only when `emptyAllowed` (it has attachments, or the planner decides). */
  function checkContent(content: string, emptyAllowed = false): string {
    if (content.trim() === '' && !emptyAllowed)
      throw new AppError(400, 'message_empty', 'The message is empty');
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

  const attachmentsOf = (userId: string, ids: readonly string[]) =>
    attachmentParts(deps.repositories.attachments, userId, ids);

  async function getMessage(userId: string, id: string): Promise<Message> {
    const message = await messages.findOwned(userId, id);
    if (!message) throw notFound('message');
    return message;
  }

  /**
   * A message, its conversation and the conversation's tree, all the user's, in one statement
   * (a turn reads nothing else before it is planned).
   */
  async function messageAndConversation(userId: string, messageId: string) {
    const tree = await messages.conversationTree(userId, { messageId });
    const message = tree?.message(messageId);
    if (!tree || !message) throw notFound('message');
    return { message, conversation: tree.conversation, tree };
  }

  const planContext = (userId: string, conversation: Conversation): PlanContext => ({
    userId,
    conversation,
    newId,
    now: new Date(),
  });

  async function getReply(userId: string, messageId: string): Promise<Message> {
    const message = await getMessage(userId, messageId);
    if (message.role !== 'assistant') throw invalidRequest('Only replies can be streamed');
    return message;
  }

  /** What a send and a compare read first: the text, the attachments, the tree, the branch above. */
  async function sendInput(
    userId: string,
    conversationId: string,
    input: { content: string; parentId?: string | undefined; attachments?: string[] | undefined },
  ) {
    const ids = input.attachments ?? [];
    const content = checkContent(input.content, ids.length > 0);
    const files = await attachmentsOf(userId, ids);
    // The conversation and its tree in one statement; the parent is looked up in the tree.
    const tree = await messages.conversationTree(userId, { conversationId });
    if (!tree) throw notFound('conversation');
    let parentId = tree.conversation.activeLeafId;
    if (input.parentId) {
      if (!tree.message(input.parentId)) {
        throw invalidRequest('parentId must be a message of this conversation');
      }
      parentId = input.parentId;
    }
    const above = parentId ? tree.branch(parentId) : [];
    return { content, files, tree, above };
  }

  /** Each model can be used by this user now (local-only mode, keys, providers): throws otherwise. */
  async function checkModels(userId: string, models: readonly string[]) {
    await Promise.all(models.map((model) => deps.models.chain(userId, model, [])));
  }

  /** A merge or a consensus: `plan` checks the replies and asks `model` (planMerge, planConsensus). */
  async function judged(
    plan: typeof planMerge,
    userId: string,
    messageId: string,
    input: { model: string; replyIds: string[] },
  ): Promise<StartedReply> {
    const { message, conversation, tree } = await messageAndConversation(userId, messageId);
    const replies = input.replyIds.map((id) => {
      const reply = tree.message(id);
      if (!reply) throw notFound('message');
      return reply;
    });
    const planned = plan(
      planContext(userId, conversation),
      message,
      tree.branch(message.id),
      replies,
      input.model.trim(),
    );
    await checkModels(userId, [planned.reply.model!]);
    return engine.start(userId, conversation, planned, tree.speaker);
  }

  return {
    getReply,

    /** Follows a reply this request just started (already authorized: it created it). */
    followStarted: (replyId: string, signal: AbortSignal) => deps.bus.follow(replyId, 0, signal),

    /** Adds the user's message (committed with its reply row, before the model is called) and starts the reply. */
    async send(
      userId: string,
      conversationId: string,
      input: { content: string; parentId?: string | undefined; attachments?: string[] | undefined },
    ): Promise<StartedReply> {
      const { content, files, tree, above } = await sendInput(userId, conversationId, input);
      const { conversation } = tree;
      return engine.start(
        userId,
        conversation,
        planSend(planContext(userId, conversation), above, { content, files }),
        tree.speaker,
      );
    },

    /** A new reply: a sibling of a reply, or another answer to a user message. */
    async regenerate(userId: string, messageId: string): Promise<StartedReply> {
      const { message, conversation, tree } = await messageAndConversation(userId, messageId);
      const parentId = message.role === 'user' ? message.id : message.parentId;
      const branch = parentId ? tree.branch(parentId) : [];
      return engine.start(
        userId,
        conversation,
        planRegenerate(planContext(userId, conversation), message, branch),
        tree.speaker,
      );
    },

    /**
     * Editing a user message adds a sibling with the new text (and `attachments`, or the original's
     * when omitted) and a new reply; editing a reply adds a sibling reply with the new text (no
     * model call). Emptiness is the planner's to judge: a message may be only its attachments.
     */
    async edit(
      userId: string,
      messageId: string,
      input: { content: string; attachments?: string[] | undefined },
    ): Promise<StartedReply> {
      const content = checkContent(input.content, true);
      const { message, conversation, tree } = await messageAndConversation(userId, messageId);
      if (message.role !== 'user' && input.attachments?.length)
        throw invalidRequest('Only your own messages take attachments');
      const files =
        input.attachments && message.role === 'user'
          ? await attachmentsOf(userId, input.attachments)
          : undefined;
      const above = message.role === 'user' && message.parentId ? tree.branch(message.parentId) : [];
      return engine.start(
        userId,
        conversation,
        planEdit(planContext(userId, conversation), message, above, content, files),
        tree.speaker,
      );
    },

    /** Continues a reply where it stopped: a sibling that starts with its text (turn-planner.ts). */
    async continue(userId: string, messageId: string): Promise<StartedReply> {
      const { message, conversation, tree } = await messageAndConversation(userId, messageId);
      const branch = tree.branch(message.id);
      return engine.start(
        userId,
        conversation,
        planContinue(planContext(userId, conversation), message, branch),
        tree.speaker,
      );
    },

    /**
     * Compare: the user's message answered by 2–6 models at once, each reply a sibling in the
     * same turn, pinned to its model (no fallback) and marked `metadata.compare` (planCompare).
     * Every model is checked before anything is stored. Answers once the message and the first
     * reply are stored and that reply is running; the others start together meanwhile, each
     * reply's `started` telling when it runs (or why it could not start: its model vanished in
     * between). Once they have all started the visible branch is set to the first column.
     */
    async compare(
      userId: string,
      conversationId: string,
      input: {
        content: string;
        parentId?: string | undefined;
        attachments?: string[] | undefined;
        models: string[];
      },
    ): Promise<{
      questionId: string;
      replies: { replyId: string; model: string; started: Promise<StartedReply> }[];
    }> {
      const { content, files, tree, above } = await sendInput(userId, conversationId, input);
      const { conversation } = tree;
      const { question, plans } = planCompare(
        planContext(userId, conversation),
        above,
        { content, files },
        input.models,
      );
      await checkModels(
        userId,
        plans.map((plan) => plan.reply.model!),
      );
      const first = await engine.start(userId, conversation, plans[0]!, tree.speaker);
      const others = plans.slice(1).map((plan) =>
        engine.start(userId, conversation, plan, tree.speaker).catch((err: unknown) => {
          deps.log.error({ err, model: plan.reply.model }, 'compare reply not started');
          throw err;
        }),
      );
      // Each reply moved the visible branch as it was stored; it ends at the first column.
      void Promise.allSettled(others).then(() =>
        conversations
          .update(userId, conversation.id, { activeLeafId: first.replyId })
          .catch((err: unknown) => deps.log.warn({ err }, 'compare: the visible branch was not moved')),
      );
      return {
        questionId: question.id,
        replies: plans.map((plan, index) => ({
          replyId: plan.reply.id,
          model: plan.reply.model!,
          started: index === 0 ? Promise.resolve(first) : others[index - 1]!,
        })),
      };
    },

    /**
     * Merge: `model` writes one answer to a user message from some of its replies (2–6, finished),
     * stored as another sibling that records them in `metadata.merge` (planMerge).
     */
    async merge(
      userId: string,
      messageId: string,
      input: { model: string; replyIds: string[] },
    ): Promise<StartedReply> {
      return judged(planMerge, userId, messageId, input);
    },

    /**
     * Consensus: `model` judges 3–5 finished replies to a user message and writes the agreed
     * answer and the points of disagreement, citing them `[An]`; stored as another sibling that
     * records them in `metadata.consensus` (planConsensus).
     */
    async consensus(
      userId: string,
      messageId: string,
      input: { model: string; replyIds: string[] },
    ): Promise<StartedReply> {
      return judged(planConsensus, userId, messageId, input);
    },

    /**
     * Stops every reply to a user message still being written (all the columns of a compare);
     * answers with the replies as stored, oldest first.
     */
    async cancelReplies(userId: string, messageId: string): Promise<Message[]> {
      const message = await getMessage(userId, messageId);
      if (message.role !== 'user')
        throw invalidRequest('Only the replies to one of your messages can be stopped together');
      const children = await messages.children(message.conversationId, message.id);
      return Promise.all(
        children.map((child) =>
          child.status === 'streaming'
            ? registry.cancel(child.id, () => getMessage(userId, child.id))
            : child,
        ),
      );
    },

    /** Stops a reply in flight (here or on another instance); answers with the message as stored. */
    async cancel(userId: string, messageId: string): Promise<Message> {
      const message = await getMessage(userId, messageId);
      if (message.status !== 'streaming') return message;
      return registry.cancel(message.id, () => getMessage(userId, messageId));
    },

    /** The parts of a reply after `afterSeq`, ending with `finish` (turns/reply-follower.ts). */
    async *follow(userId: string, messageId: string, afterSeq: number, signal: AbortSignal) {
      const message = await getReply(userId, messageId);
      yield* followReply(
        {
          bus: deps.bus,
          load: (id) => getMessage(userId, id),
          writerAlive: async (row) =>
            row.writerId === deps.writerId
              ? registry.isWriting(row.id)
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
    isWriting: registry.isWriting,

    /** Replies being written by this process (for shutdown and tests). */
    inFlight: registry.size,

    /** Stops every reply of this process and waits for them to be stored (shutdown). */
    async close(): Promise<void> {
      closing = true;
      await registry.close();
    },
  };
}

export type ReplyService = ReturnType<typeof createReplyService>;
