import type { Conversation } from '../../domain/conversation.js';
import type { Message } from '../../domain/message.js';
import type { MessagePart } from '../../domain/message-parts.js';
import { turnIdFor } from '../../domain/participant.js';
import { type Speaker, speakerColumns } from '../../domain/speaker.js';
import type { TurnAction } from '../../domain/turn.js';
import { AppError, invalidRequest } from '../../errors.js';

/**
 * The turn planner: for each thing a person asks (domain/turn.ts), decides the parent, the turn,
 * the speakers and the rows to write — from data already loaded, without a database, so every
 * rule here is tested alone (turn-planner.test.ts). The engine (reply-engine.ts) loads what a
 * plan needs, builds the context for `branch`, writes `question` and the reply row together, and
 * runs the reply.
 */

/** The reply a plan asks for: a new assistant message written by the model. */
export interface PlannedReply {
  id: string;
  /** What it answers (null only when continuing a greeting, which is a root). */
  parentId: string | null;
  turnId: string;
  speaker: Speaker;
  /** What the reply starts with: the parts of the reply being continued; empty otherwise. */
  parts: MessagePart[];
  metadata: Record<string, unknown>;
  /**
   * The one model that writes it, without fallbacks (a compare column, a merge: the reply is
   * labelled with its model, so another may not stand in). Unset: the conversation's chain.
   */
  model?: string;
}

export type TurnPlan =
  | {
      kind: 'reply';
      action: TurnAction;
      /** Root → the last message the model sees (a new user message included, not yet stored). */
      branch: Message[];
      /** A user message stored with the reply in one transaction (send, edit of a user message). */
      question: Message | null;
      reply: PlannedReply;
    }
  | {
      /** Editing a reply: a sibling with the new text, written at once; no model call. */
      kind: 'rewrite';
      message: Message;
    };

/** A file part of a user message (an attachment, checked by the caller). */
export type FilePart = Extract<MessagePart, { type: 'file' }>;

/** Ids and time come from outside, so a plan is a pure function of its inputs. */
export interface PlanContext {
  userId: string;
  conversation: Conversation;
  newId: () => string;
  now: Date;
}

/** The avatar that answers: the one that wrote the reply being replaced, else the conversation's. */
const answering = (conversation: Conversation, replaced?: Message): Speaker => ({
  kind: 'avatar',
  id: replaced?.speakerAvatarId ?? conversation.avatarId,
});

function userMessage(
  ctx: PlanContext,
  above: Message[],
  input: { content: string; files: readonly FilePart[]; metadata: Record<string, unknown> },
): Message {
  const id = ctx.newId();
  const parent = above.at(-1);
  return {
    id,
    conversationId: ctx.conversation.id,
    ownerId: ctx.userId,
    parentId: parent?.id ?? null,
    role: 'user',
    content: input.content,
    // The text first, then the attachments in the order they were given.
    parts: [
      ...(input.content === '' ? [] : [{ type: 'text' as const, text: input.content }]),
      ...input.files,
    ],
    turnId: id,
    ...speakerColumns({ kind: 'user', id: ctx.userId }),
    tokenCount: null,
    tokenCounter: null,
    status: 'complete',
    error: null,
    model: null,
    finishReason: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    timeToFirstTokenMs: null,
    durationMs: null,
    writerId: null,
    summary: null,
    metadata: input.metadata,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
}

function replyTo(ctx: PlanContext, parent: Message, replaced?: Message): PlannedReply {
  const id = ctx.newId();
  return {
    id,
    parentId: parent.id,
    turnId: turnIdFor({ id, role: 'assistant', parentId: parent.id }, parent.turnId),
    speaker: answering(ctx.conversation, replaced),
    parts: [],
    metadata: {},
  };
}

/**
 * A new user message below `above` (root → the parent, empty for a first message) and its reply.
 * Its parts are the text, then one file part per attachment.
 * @example planSend(ctx, branch, { content: 'Hi' }) // question: the user message; reply answers it
 */
export function planSend(
  ctx: PlanContext,
  above: Message[],
  input: { content: string; files?: readonly FilePart[]; metadata?: Record<string, unknown> },
): TurnPlan {
  const question = userMessage(ctx, above, {
    content: input.content,
    files: input.files ?? [],
    metadata: input.metadata ?? {},
  });
  return {
    kind: 'reply',
    action: 'send',
    branch: [...above, question],
    question,
    reply: replyTo(ctx, question),
  };
}

/**
 * Another reply: to a user message (`branch` ends with it), or in place of a reply (`branch`
 * ends with that reply's parent, and the new reply is its sibling, by the same speaker).
 */
export function planRegenerate(ctx: PlanContext, message: Message, branch: Message[]): TurnPlan {
  const parent = branch.at(-1);
  if (message.role !== 'user' && message.parentId === null)
    throw new AppError(400, 'cannot_regenerate_greeting', 'A greeting has no question to answer again');
  if (!parent) throw invalidRequest('The message to answer is gone');
  return {
    kind: 'reply',
    action: 'regenerate',
    branch,
    question: null,
    reply: replyTo(ctx, parent, message.role === 'user' ? undefined : message),
  };
}

/**
 * Editing a user message adds a sibling with the new text and a new reply to it (`above` is the
 * branch down to the edited message's parent); its attachments are `files`, or the original's
 * when `files` is undefined. Editing a reply adds a sibling reply with the new text, by the same
 * speaker, in the same turn, without a model call (replies take no attachments).
 */
export function planEdit(
  ctx: PlanContext,
  message: Message,
  above: Message[],
  content: string,
  files?: readonly FilePart[],
): TurnPlan {
  const metadata = { editedFrom: message.id };
  if (message.role === 'user') {
    const kept = files ?? message.parts.filter((part): part is FilePart => part.type === 'file');
    if (content.trim() === '' && kept.length === 0)
      throw new AppError(400, 'message_empty', 'The message is empty');
    const question = userMessage(ctx, above, { content, files: kept, metadata });
    return {
      kind: 'reply',
      action: 'edit',
      branch: [...above, question],
      question,
      reply: replyTo(ctx, question),
    };
  }
  if (files?.length) throw invalidRequest('Only your own messages take attachments');
  if (content.trim() === '') throw new AppError(400, 'message_empty', 'The message is empty');
  const id = ctx.newId();
  return {
    kind: 'rewrite',
    message: {
      ...message,
      id,
      content,
      parts: content === '' ? [] : [{ type: 'text', text: content }],
      // The edited reply stays in the turn of the one it replaces.
      turnId:
        message.turnId ??
        turnIdFor({ id, role: message.role, parentId: message.parentId }, above.at(-1)?.turnId),
      status: 'complete',
      error: null,
      finishReason: null,
      inputTokens: null,
      outputTokens: null,
      costUsd: null,
      timeToFirstTokenMs: null,
      durationMs: null,
      writerId: null,
      summary: null,
      tokenCount: null,
      tokenCounter: null,
      metadata,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    },
  };
}

/**
 * Continues a reply: a new sibling that starts with the reply's parts and goes on where it
 * stopped (a cut-off, cancelled or interrupted reply, or one the person wants longer). The model
 * sees the branch through the reply itself, so it writes on from its last words. The original
 * stays as the previous sibling, one click away, as after a regenerate (docs/conversations.md).
 * `branch` is root → the reply being continued.
 */
export function planContinue(ctx: PlanContext, message: Message, branch: Message[]): TurnPlan {
  if (message.role !== 'assistant')
    throw new AppError(400, 'cannot_continue', 'Only a reply can be continued');
  if (message.status === 'streaming')
    throw new AppError(409, 'cannot_continue', 'This reply is still being written');
  if (branch.at(-1)?.id !== message.id) throw invalidRequest('The reply to continue is gone');
  const id = ctx.newId();
  const parent = branch.at(-2);
  return {
    kind: 'reply',
    action: 'continue',
    branch,
    question: null,
    reply: {
      id,
      parentId: message.parentId,
      turnId:
        message.turnId ?? turnIdFor({ id, role: 'assistant', parentId: message.parentId }, parent?.turnId),
      speaker: answering(ctx.conversation, message),
      parts: structuredClone(message.parts),
      metadata: { continuedFrom: message.id },
    },
  };
}
