import type { FastifyBaseLogger } from 'fastify';
import type { Conversation } from '../../domain/conversation.js';
import type { Message } from '../../domain/message.js';
import { BACKGROUND_JOBS } from '../../jobs/background-jobs.js';
import type { JobQueue } from '../../jobs/job-queue.js';
import { enqueueMemoryExtraction } from '../../jobs/memory-extract-job.js';
import type { AssembledContext } from '../../prompt/assemble-context.js';
import type { ChatModel } from '../../providers/types.js';
import type { StreamPart } from '../../realtime/stream-parts.js';
import type { ConversationRepository } from '../../repositories/conversation.repository.js';
import type { ConversationContextService } from '../conversation-context.service.js';
import type { ConversationTitleService } from '../conversation-title.service.js';

/** A reply that completed, with what was known when it was written. */
export interface CompletedReply {
  userId: string;
  conversation: Conversation;
  /** Root → the reply, as stored. */
  branch: Message[];
  /** The context the reply was written with (tells whether the window is filling up). */
  assembled: AssembledContext;
  chain: ChatModel[];
  /** Adds a part to the reply's stream while it is still open (the automatic title). */
  publish(part: StreamPart): void;
}

/**
 * The work that follows a completed reply: the automatic title after the first exchange, and a
 * running summary when the context window fills up. Behind this interface so the runner can
 * change without touching the engine: in-process (no queue), or durable jobs (`queuedAfterReply`).
 */
export interface AfterReply {
  /** Never rejects; resolves once the reply's stream may end (the title, when there is one, is on it). */
  completed(reply: CompletedReply): Promise<void>;
}

/**
 * Stores the memory extraction of the exchange as a durable job (jobs/memory-extract-job.ts):
 * the reply waits for one insert at most, never for the model calls. Nothing is queued for an
 * incognito conversation; whether memory is on is the job's to check (settings can change).
 */
async function queueMemoryExtraction(
  jobs: Pick<JobQueue, 'enqueue'>,
  reply: CompletedReply,
  log: Pick<FastifyBaseLogger, 'warn'>,
): Promise<void> {
  const replyId = reply.branch.at(-1)?.id;
  const { conversation } = reply;
  if (!replyId || conversation.incognito) return;
  if (!reply.branch.some((m) => m.role === 'user')) return;
  await enqueueMemoryExtraction(jobs, {
    userId: reply.userId,
    conversationId: conversation.id,
    replyId,
  }).catch((err) =>
    log.warn({ err, conversationId: conversation.id }, 'queueing the memory extraction failed'),
  );
}

/**
 * Runs the after-reply work in this process: the title is awaited (so it arrives on the reply's
 * own stream before `finish`'s stream ends), the summary runs in the background. With `jobs`,
 * memory extraction is still a durable job (queued alongside the title, never run here).
 */
export function inProcessAfterReply(deps: {
  conversations: Pick<ConversationRepository, 'findOwned' | 'setAutoTitle'>;
  titles: ConversationTitleService;
  context: Pick<ConversationContextService, 'afterReply'>;
  log: Pick<FastifyBaseLogger, 'warn'>;
  jobs?: Pick<JobQueue, 'enqueue'> | undefined;
}): AfterReply {
  /** After the first exchange, an automatic title (unless the user already named it). */
  async function nameConversation(reply: CompletedReply): Promise<void> {
    const current = await stillUntitled(deps.conversations, reply);
    if (!current) return;
    const userText = reply.branch.findLast((m) => m.role === 'user')?.content ?? '';
    if (userText === '') return;
    const title = await deps.titles.titleFor(reply.userId, {
      userText,
      replyText: reply.branch.at(-1)?.content ?? '',
      chain: reply.chain,
      avatarId: current.avatarId,
    });
    await deps.conversations.setAutoTitle(current.id, title);
    reply.publish({ type: 'title', conversationId: current.id, title });
  }

  return {
    async completed(reply) {
      await Promise.all([
        nameConversation(reply).catch((err) => deps.log.warn({ err }, 'automatic title failed')),
        deps.jobs ? queueMemoryExtraction(deps.jobs, reply, deps.log) : undefined,
      ]);
      deps.context.afterReply(reply.userId, reply.conversation, reply.branch, reply.assembled);
    },
  };
}

/**
 * The conversation as stored now when it still wants an automatic title: empty, and named by
 * Lumina rather than the person. Read again only when the copy from the reply's start says so,
 * since the person may have named it while the reply was written.
 */
async function stillUntitled(
  conversations: Pick<ConversationRepository, 'findOwned'>,
  reply: Pick<CompletedReply, 'userId' | 'conversation'>,
): Promise<Conversation | undefined> {
  const { conversation } = reply;
  if (conversation.titleSource !== 'auto' || conversation.title !== '') return undefined;
  const current = await conversations.findOwned(reply.userId, conversation.id);
  return current?.titleSource === 'auto' && current.title === '' ? current : undefined;
}

/**
 * Runs the after-reply work as durable jobs (jobs/background-jobs.ts): the title becomes a
 * `conversation-title` job (one per conversation) whose worker, on any instance, stores the
 * title and announces it on the conversation's events stream — not on the reply's stream, which
 * ends without waiting for it. The summary becomes a job inside `context.afterReply`, the memory
 * extraction a `memory-extract` job per reply.
 */
export function queuedAfterReply(deps: {
  conversations: Pick<ConversationRepository, 'findOwned'>;
  jobs: Pick<JobQueue, 'enqueue'>;
  context: Pick<ConversationContextService, 'afterReply'>;
  log: Pick<FastifyBaseLogger, 'warn'>;
}): AfterReply {
  /** Stores the title job; awaited, so a reply counts as done (shutdown) once its job is stored. */
  async function queueTitle(reply: CompletedReply): Promise<void> {
    const current = await stillUntitled(deps.conversations, reply);
    const replyId = reply.branch.at(-1)?.id;
    if (!current || !replyId || !reply.branch.some((m) => m.role === 'user')) return;
    await deps.jobs.enqueue(
      BACKGROUND_JOBS.title,
      { userId: reply.userId, conversationId: current.id, replyId },
      { singletonKey: current.id },
    );
  }

  return {
    async completed(reply) {
      await Promise.all([
        queueTitle(reply).catch((err) =>
          deps.log.warn({ err, conversationId: reply.conversation.id }, 'queueing the title failed'),
        ),
        queueMemoryExtraction(deps.jobs, reply, deps.log),
      ]);
      deps.context.afterReply(reply.userId, reply.conversation, reply.branch, reply.assembled);
    },
  };
}
