import type { ChatMessage, MessageStatus } from './conversations';

/**
 * The parts of a reply stream (docs/conversations.md), as the web app reads them. `seq` is the
 * SSE `id:` (sequence within the reply), used to resume with Last-Event-ID and to drop replays.
 */
export type ReplyPart =
  | {
      type: 'message-start';
      messageId: string;
      parentId: string | null;
      role: ChatMessage['role'];
      model?: string | null;
      content?: string;
      createdAt?: string;
    }
  | { type: 'model'; modelId: string }
  | { type: 'text-delta'; delta: string }
  | { type: 'usage'; inputTokens: number | null; outputTokens: number | null; costUsd: number | null }
  | {
      type: 'finish';
      status: 'complete' | 'cancelled' | 'error';
      finishReason?: string | null;
      timings?: { timeToFirstTokenMs: number | null; durationMs: number | null } | null;
    }
  | { type: 'error'; code: string; message: string }
  | { type: 'title'; conversationId: string; title: string };

/** The visible branch while a stream writes into it. */
export interface BranchState {
  conversationId: string;
  /** Root first, as GET …/messages?view=branch answers. */
  messages: ChatMessage[];
  /** The reply this stream is writing (known from its `message-start`). */
  replyId: string | null;
  /** The highest SSE id applied; parts at or below it are replays and are skipped. */
  lastEventId: number;
  /** The automatic title, when the stream made one. */
  title: string | null;
  /** True once `finish` arrived. */
  finished: boolean;
}

export function branchState(conversationId: string, messages: ChatMessage[]): BranchState {
  return { conversationId, messages, replyId: null, lastEventId: 0, title: null, finished: false };
}

function newMessage(state: BranchState, part: Extract<ReplyPart, { type: 'message-start' }>): ChatMessage {
  const now = part.createdAt ?? new Date().toISOString();
  const reply = part.role === 'assistant';
  return {
    id: part.messageId,
    conversationId: state.conversationId,
    parentId: part.parentId,
    role: part.role,
    content: part.content ?? '',
    status: reply ? 'streaming' : 'complete',
    error: null,
    model: part.model ?? null,
    finishReason: null,
    usage: reply ? { inputTokens: null, outputTokens: null, costUsd: null } : null,
    timings: reply ? { timeToFirstTokenMs: null, durationMs: null } : null,
    siblingIds: [part.messageId],
    hasSummary: false,
    metadata: {},
    createdAt: now,
    updatedAt: now,
  };
}

/** A message starts: it replaces whatever followed its parent, and joins its parent's children. */
function startMessage(state: BranchState, part: Extract<ReplyPart, { type: 'message-start' }>): BranchState {
  const replyId = part.role === 'assistant' ? part.messageId : state.replyId;
  const existing = state.messages.findIndex((m) => m.id === part.messageId);
  if (existing >= 0) {
    // A replay from the start (resume without Last-Event-ID): the deltas come again.
    const current = state.messages[existing]!;
    const restarted: ChatMessage =
      current.role === 'assistant'
        ? { ...current, content: part.content ?? '', status: 'streaming', model: part.model ?? current.model }
        : current;
    return { ...state, replyId, messages: [...state.messages.slice(0, existing), restarted] };
  }
  const parentIndex = part.parentId === null ? -1 : state.messages.findIndex((m) => m.id === part.parentId);
  // A parent outside the branch would be a server bug; keep what is shown and add the message.
  const keep = part.parentId !== null && parentIndex < 0 ? state.messages.length : parentIndex + 1;
  const replaced = state.messages[keep];
  const message = newMessage(state, part);
  // Pending (optimistic) messages are placeholders, not siblings.
  if (replaced && !isPendingId(replaced.id) && replaced.parentId === part.parentId)
    message.siblingIds = [...(replaced.siblingIds ?? [replaced.id]), part.messageId];
  return { ...state, replyId, messages: [...state.messages.slice(0, keep), message] };
}

function updateReply(state: BranchState, change: (message: ChatMessage) => ChatMessage): BranchState {
  if (!state.replyId) return state;
  const index = state.messages.findIndex((m) => m.id === state.replyId);
  if (index < 0) return state;
  const messages = state.messages.slice();
  messages[index] = change(messages[index]!);
  return { ...state, messages };
}

/**
 * Folds one stream part into the branch. Pure: the same parts always give the same branch.
 * @example parts.reduce((s, p) => applyPart(s, p.part, p.seq), branchState(id, messages))
 */
export function applyPart(state: BranchState, part: ReplyPart, seq?: number): BranchState {
  if (seq !== undefined && Number.isFinite(seq)) {
    if (seq <= state.lastEventId) return state;
    state = { ...state, lastEventId: seq };
  }
  switch (part.type) {
    case 'message-start':
      return startMessage(state, part);
    case 'model':
      return updateReply(state, (m) => ({ ...m, model: part.modelId }));
    case 'text-delta':
      return updateReply(state, (m) => ({ ...m, content: m.content + part.delta }));
    case 'usage':
      return updateReply(state, (m) => ({
        ...m,
        usage: { inputTokens: part.inputTokens, outputTokens: part.outputTokens, costUsd: part.costUsd },
      }));
    case 'error':
      return updateReply(state, (m) => ({ ...m, error: { code: part.code, message: part.message } }));
    case 'finish': {
      const next = updateReply(state, (m) => ({
        ...m,
        status: part.status as MessageStatus,
        finishReason: part.finishReason ?? null,
        timings: part.timings ?? m.timings,
      }));
      return { ...next, finished: true };
    }
    case 'title':
      return { ...state, title: part.title };
    default:
      return state;
  }
}

/** Applies many parts at once (a frame's worth), keeping one state object per batch. */
export function applyParts(state: BranchState, parts: readonly { part: ReplyPart; seq?: number }[]) {
  return parts.reduce((s, { part, seq }) => applyPart(s, part, seq), state);
}

const PENDING_PREFIX = 'pending:';

/** Ids the browser gives messages it has sent but the server has not confirmed yet. */
export function pendingId(): string {
  return `${PENDING_PREFIX}${Math.random().toString(36).slice(2)}`;
}

export function isPendingId(id: string): boolean {
  return id.startsWith(PENDING_PREFIX);
}

/**
 * The branch with the person's message shown at once, before the server confirms it: after
 * `parentId` (or the end), replacing what followed.
 */
export function withPendingMessage(
  state: BranchState,
  content: string,
  parentId: string | null,
  id = pendingId(),
): BranchState {
  const parentIndex =
    parentId === null ? state.messages.length - 1 : state.messages.findIndex((m) => m.id === parentId);
  const message = newMessage(state, {
    type: 'message-start',
    messageId: id,
    parentId,
    role: 'user',
    content,
  });
  message.status = 'streaming';
  return { ...state, messages: [...state.messages.slice(0, parentIndex + 1), message] };
}
