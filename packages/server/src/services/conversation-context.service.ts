import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { attachmentIdOfUrl } from '../domain/attachment.js';
import type { Avatar } from '../domain/avatar.js';
import type { Conversation } from '../domain/conversation.js';
import { readConversationPrompt } from '../domain/conversation-prompt.js';
import { effectiveGenerationSettings, type GenerationSettings } from '../domain/generation-settings.js';
import { MEMORY_LIMITS, type RecallItem } from '../domain/memory.js';
import type { Message } from '../domain/message.js';
import { AppError, notFound } from '../errors.js';
import { BACKGROUND_JOBS } from '../jobs/background-jobs.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { MemoryRecall } from '../memory/recall.js';
import { type AssembledContext, assembleContext } from '../prompt/assemble-context.js';
import type { UserIdentity } from '../prompt/avatar-persona.js';
import {
  type AttachmentContents,
  attachmentContents,
  filePartsOf,
  hasFileParts,
  imagesToSend,
  isImagePart,
} from '../prompt/message-attachments.js';
import { type ChatModel, ProviderError } from '../providers/types.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import type { ConversationSpeaker } from '../repositories/conversation-rows.js';
import { createMemoryRepository } from '../repositories/memory.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createMessageAttachmentRepository } from '../repositories/message-attachment.repository.js';
import { createConversationSummaryService, type SummaryOutcome } from './conversation-summary.service.js';
import type { ModelService } from './model.service.js';
import { identityFor, type SettingsService } from './settings.service.js';

/** What `GET /api/conversations/:id/context` shows. */
export interface ContextPreview {
  conversation: Conversation;
  assembled: AssembledContext;
  /** Why no model is shown, when none could be resolved (the context is then sized with the default window). */
  modelError: { code: string; message: string } | null;
  /** A summary of this conversation is being written in this process right now. */
  summarizing: boolean;
}

/**
 * Context assembly for conversations: loads the avatar, the user's names and the model chain,
 * and assembles what the model is sent for the next reply (prompt/assemble-context.ts); after
 * a reply, summarizes older turns in the background when the window is nearly full.
 */
export function createConversationContextService(deps: {
  db: Database;
  models: Pick<ModelService, 'chain' | 'stream' | 'canSee'>;
  config: Pick<Config, 'chat'>;
  log: Pick<FastifyBaseLogger, 'warn' | 'debug'>;
  /**
   * The durable queue: with it, summaries run as `conversation-summary` jobs (one per
   * conversation across instances, retried, surviving a restart); without it, in this process.
   */
  jobs?: Pick<JobQueue, 'enqueue'> | undefined;
  /** The user's personas (cached per user for a second: no extra query per turn). */
  settings?: Pick<SettingsService, 'get'> | undefined;
  /**
   * Recall (memory/recall.ts): with it, each reply's context has a memory section for the new
   * message, when memory is on for the user and the avatar and the conversation is not incognito.
   */
  recall?: Pick<MemoryRecall, 'recall'> | undefined;
}) {
  const avatars = createAvatarRepository(deps.db);
  const conversations = createConversationRepository(deps.db);
  const messages = createMessageRepository(deps.db);
  const attachmentRows = createMessageAttachmentRepository(deps.db);
  const memoryRows = createMemoryRepository(deps.db);
  const summaries = createConversationSummaryService({ ...deps, config: deps.config.chat });
  const chat = deps.config.chat;

  async function load(
    userId: string,
    conversation: Conversation,
    speaker?: ConversationSpeaker,
  ): Promise<[Avatar, UserIdentity]> {
    // Read with the conversation's tree by a turn; else one query for both.
    const found = speaker ?? (await avatars.findVisibleWithUser(userId, conversation.avatarId));
    if (!found?.user) throw notFound('user');
    const { avatar, user } = found;
    if (!avatar) throw notFound('avatar');
    const account = { name: user.name, ...(user.preferredName ? { preferredName: user.preferredName } : {}) };
    if (!deps.settings) return [avatar, account];
    // The conversation's persona, else the default persona, else the account's names.
    const personaId = readConversationPrompt(conversation.prompt).personaId;
    return [avatar, identityFor(account, await deps.settings.get(userId), personaId)];
  }

  function assemble(
    conversation: Conversation,
    avatar: Avatar,
    user: UserIdentity,
    branch: Message[],
    chain: ChatModel[],
    generation: GenerationSettings,
    attachments?: AttachmentContents,
    memories?: RecallItem[],
  ) {
    return assembleContext({
      ...(attachments ? { attachments } : {}),
      ...(memories && memories.length > 0 ? { memories } : {}),
      avatar,
      user,
      branch,
      conversationPrompt: readConversationPrompt(conversation.prompt),
      model: chain[0]?.info,
      // The model's own tokenizer where the adapter has one (the embedded engine).
      ...(chain[0]?.countTokens ? { countTokens: (text: string) => chain[0]!.countTokens!(text) } : {}),
      // A reply length the user chose is what the context leaves room for.
      replyBudget: generation.maxTokens ?? chat.replyTokens,
      defaultContextWindow: chat.defaultContextWindow,
      summaryThreshold: chat.summaryThreshold,
    });
  }

  /**
   * What recall finds for the message being answered (and, briefly, the turn before it). Never
   * fails the reply: a failing or slow recall (database error, embedding provider down) is
   * logged and the reply goes on without memory. The statements are recall's own searches only.
   */
  async function recallFor(
    userId: string,
    conversation: Conversation,
    avatar: Avatar,
    branch: Message[],
  ): Promise<RecallItem[]> {
    if (!deps.recall || !avatar.memory.enabled || conversation.incognito) return [];
    const query = recallQuery(branch);
    if (!query) return [];
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`recall took longer than ${RECALL_TIMEOUT_MS} ms`));
      }, RECALL_TIMEOUT_MS);
    });
    try {
      return await Promise.race([
        deps.recall.recall(
          userId,
          {
            avatarId: avatar.id,
            query,
            k: MEMORY_LIMITS.recallDefault,
            conversationId: conversation.id,
            policy: avatar.memory,
          },
          controller.signal,
        ),
        timeout,
      ]);
    } catch (err) {
      deps.log.warn({ err, conversationId: conversation.id }, 'recall failed: replying without memory');
      return [];
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Recalls of the last few seconds, by what they searched for: the replies of one compare (the
   * same branch answered by several models, their contexts built a few milliseconds apart) run
   * recall once and share it, instead of once per model on the one database connection.
   */
  const recentRecalls = new Map<string, { at: number; items: Promise<RecallItem[]> }>();
  function sharedRecall(
    userId: string,
    conversation: Conversation,
    avatar: Avatar,
    branch: Message[],
  ): { items: Promise<RecallItem[]>; shared: boolean } {
    const now = Date.now();
    const key = [userId, avatar.id, conversation.id, branch.at(-1)?.id ?? '', recallQuery(branch) ?? ''].join(
      '\u0000',
    );
    const recent = recentRecalls.get(key);
    if (recent && now - recent.at < SHARED_RECALL_MS) return { items: recent.items, shared: true };
    if (recentRecalls.size > 1000) recentRecalls.clear();
    for (const [old, entry] of recentRecalls)
      if (now - entry.at >= SHARED_RECALL_MS) recentRecalls.delete(old);
    const items = recallFor(userId, conversation, avatar, branch);
    recentRecalls.set(key, { at: now, items });
    return { items, shared: false };
  }

  /** Marks the memories a context sent as recalled: one update, not awaited, failures logged. */
  function markRecalled(userId: string, assembled: AssembledContext) {
    const ids = assembled.recalled.filter((ref) => ref.type === 'memory').map((ref) => ref.id);
    if (ids.length === 0) return;
    memoryRows
      .markRecalled(userId, ids)
      .catch((err: unknown) => deps.log.warn({ err }, 'marking recalled memories failed'));
  }

  const modelFor = (conversation: Conversation, avatar: Avatar) =>
    conversation.model ?? avatar.defaultModel ?? undefined;

  /**
   * What the branch's file parts are sent as: pictures (the most recent ones, to a model that can
   * see), document texts, notes. One statement, and only for a branch that has file parts: a turn
   * without attachments reads nothing more. Pictures in `question` (the message being sent, not
   * yet stored) are refused for a model that cannot see them. Returns the chain to use: fallbacks
   * that cannot see are left out when pictures are sent.
   */
  async function attachmentsFor(
    userId: string,
    branch: Message[],
    chain: ChatModel[],
    question: Message | undefined,
  ): Promise<{ contents: AttachmentContents; chain: ChatModel[] }> {
    const files = filePartsOf(branch);
    const first = chain[0];
    const canSee =
      first !== undefined && files.some(({ part }) => isImagePart(part))
        ? await deps.models.canSee(userId, first)
        : false;
    if (first && !canSee && question?.parts.some((part) => part.type === 'file' && isImagePart(part)))
      throw cannotSeeImages(first);
    const chosen = imagesToSend(branch, canSee);
    const ids = [
      ...new Set(files.map(({ part }) => attachmentIdOfUrl(part.url)).filter((id) => id !== null)),
    ];
    const chosenIds = new Set([...chosen].map(attachmentIdOfUrl).filter((id) => id !== null));
    const loaded = await attachmentRows.contents(userId, ids, chosenIds);
    const contents = attachmentContents(branch, loaded, chosen, attachmentIdOfUrl, canSee);
    if (chosen.size === 0 || chain.length < 2) return { contents, chain };
    const seeing = await Promise.all(chain.slice(1).map((model) => deps.models.canSee(userId, model)));
    return { contents, chain: [first!, ...chain.slice(1).filter((_, index) => seeing[index])] };
  }

  /** The context for the next reply on `branch` (root → the message being answered) and the models to try. */
  async function build(
    userId: string,
    conversation: Conversation,
    branch: Message[],
    /** The avatar and user as read with the conversation's tree (saves a statement per turn). */
    speaker?: ConversationSpeaker,
    /**
     * The message being sent or edited (the end of `branch`, not yet stored): its pictures are
     * refused (422 `model_cannot_see_images`) when the model cannot see, before anything is stored.
     */
    question?: Message,
    /** The one model to answer with, no fallbacks (a compare column, a merge). */
    only?: string,
    /** False for an estimate: what recall finds is counted, not marked as recalled. */
    markRecalledItems = true,
  ): Promise<{ assembled: AssembledContext; chain: ChatModel[]; generation: GenerationSettings }> {
    const [avatar, user] = await load(userId, conversation, speaker);
    // Recall runs while the model chain and attachments are resolved.
    // Only the replies of a compare (pinned to a model each) share: an ordinary regenerate recalls afresh.
    const { items: recalling, shared } = only
      ? sharedRecall(userId, conversation, avatar, branch)
      : { items: recallFor(userId, conversation, avatar, branch), shared: false };
    let chain = only
      ? await deps.models.chain(userId, only, [])
      : await deps.models.chain(userId, modelFor(conversation, avatar), avatar.fallbackModels);
    let attachments: AttachmentContents | undefined;
    if (branch.some(hasFileParts))
      ({ contents: attachments, chain } = await attachmentsFor(userId, branch, chain, question));
    // Conversation ▸ avatar ▸ preset, field by field (the preset is stored with the avatar).
    const generation = effectiveGenerationSettings(conversation.generation, avatar.generation);
    const assembled = await assemble(
      conversation,
      avatar,
      user,
      branch,
      chain,
      generation,
      attachments,
      await recalling,
    );
    // A shared recall was marked by the context that ran it.
    if (!shared && markRecalledItems) markRecalled(userId, assembled);
    return { assembled, chain, generation };
  }

  /** Summarizes older turns when the context is nearly full. Never rejects. */
  async function summarizeAfterReply(
    userId: string,
    conversation: Conversation,
    branch: Message[],
    assembled?: AssembledContext,
  ): Promise<SummaryOutcome> {
    try {
      const context = assembled ?? (await build(userId, conversation, branch)).assembled;
      return await summaries.summarizeIfNeeded(userId, conversation.id, branch, context);
    } catch (err) {
      deps.log.warn({ err, conversationId: conversation.id }, 'conversation summary failed');
      return { status: 'failed', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  return {
    build,

    /**
     * The context a reply pinned to `model` would be sent for `branch` (ending with the message
     * not yet sent), built exactly as `build` builds it but marking nothing as recalled: what a
     * cost estimate counts (services/compare-estimate.service.ts).
     */
    measure: (
      userId: string,
      conversation: Conversation,
      branch: Message[],
      speaker: ConversationSpeaker | undefined,
      question: Message,
      model: string,
    ) => build(userId, conversation, branch, speaker, question, model, false),

    /**
     * Called after a reply completes, with the branch including the reply: summarizes older turns
     * in the background when needed (not awaited; failures are logged, never thrown). Pass the
     * context when one was built for this very branch, else it is rebuilt.
     * @example context.afterReply(userId, conversation, [...branch, reply]);
     */
    afterReply(
      userId: string,
      conversation: Conversation,
      branch: Message[],
      assembled?: AssembledContext,
    ): void {
      const jobs = deps.jobs;
      if (!jobs) {
        void summarizeAfterReply(userId, conversation, branch, assembled);
        return;
      }
      // Most replies need no summary: only a context that is filling up becomes a job.
      const leafId = branch.at(-1)?.id;
      if ((assembled && !assembled.needsSummary) || !leafId) return;
      const data = { userId, conversationId: conversation.id, leafId };
      jobs
        .enqueue(BACKGROUND_JOBS.summary, data, { singletonKey: conversation.id })
        .catch((err) => deps.log.warn({ err, conversationId: conversation.id }, 'queueing a summary failed'));
    },

    summarizeAfterReply,

    /** What the next reply on the visible branch would be sent. Throws 404 for another user's conversation. */
    async preview(userId: string, conversationId: string): Promise<ContextPreview> {
      const conversation = await conversations.findOwned(userId, conversationId);
      if (!conversation) throw notFound('conversation');
      const [avatar, user] = await load(userId, conversation);
      const branch = conversation.activeLeafId
        ? await messages.branch(userId, conversation.activeLeafId)
        : [];
      let chain: ChatModel[] = [];
      let modelError: ContextPreview['modelError'] = null;
      try {
        chain = await deps.models.chain(userId, modelFor(conversation, avatar), avatar.fallbackModels);
      } catch (err) {
        // The preview still shows the context, sized for the default window.
        if (!(err instanceof AppError || err instanceof ProviderError)) throw err;
        modelError = { code: err.code, message: err.message };
      }
      const attachments = branch.some(hasFileParts)
        ? (await attachmentsFor(userId, branch, chain, undefined)).contents
        : undefined;
      return {
        conversation,
        assembled: await assemble(
          conversation,
          avatar,
          user,
          branch,
          chain,
          effectiveGenerationSettings(conversation.generation, avatar.generation),
          attachments,
          // What the last reply on this branch would recall (a preview marks nothing as recalled).
          await recallFor(userId, conversation, avatar, branch),
        ),
        modelError,
        summarizing: summaries.isRunning(conversation.id),
      };
    },

    /** Resolves when background summaries have ended (tests, shutdown). */
    idle: () => summaries.idle(),
    /** Cancels background summaries and waits for them. */
    close: () => summaries.close(),
  };
}

export type ConversationContextService = ReturnType<typeof createConversationContextService>;

/** Recall slower than this is given up for this reply (the reply goes on without memory). */
export const RECALL_TIMEOUT_MS = 2_000;
/** How long the replies of one compare may share a recall (they start within milliseconds). */
const SHARED_RECALL_MS = 5_000;

/** Characters of the turn before the new message added to the recall query. */
const PREVIOUS_TURN_CHARS = 200;

/**
 * What recall looks for: the last user message of the branch (the one being answered), with the
 * end of the message before it, so a short answer ("yes, that one") still has its subject.
 */
export function recallQuery(branch: readonly Message[]): string {
  const index = branch.findLastIndex((message) => message.role === 'user');
  if (index < 0) return '';
  const current = branch[index]!.content.trim();
  const previous = index > 0 ? branch[index - 1]!.content.trim().slice(-PREVIOUS_TURN_CHARS) : '';
  return [previous, current].filter(Boolean).join('\n');
}

/** 422 `model_cannot_see_images`: pictures sent to a model that cannot see them, naming it. */
export const cannotSeeImages = (model: ChatModel) =>
  new AppError(
    422,
    'model_cannot_see_images',
    `${model.info.name} cannot see pictures. Choose a model that can (marked “vision”), or send the message without the pictures.`,
    { model: model.info.id },
  );
