import type { StreamPart, StreamPartOf } from '@lumina/sdk';
import type { ChatMessage } from './conversations';

/**
 * The web app reads reply streams as the SDK types them: `StreamPart`, generated from the
 * server's contract (OpenAPI component `StreamPart`, docs/conversations.md). `seq` is the SSE
 * `id:` (sequence within the reply), used to resume with Last-Event-ID and to drop replays.
 */
export type { StreamPart } from '@lumina/sdk';

/** One part of a stored message (text, reasoning, tool call or result, file). */
export type MessagePart = ChatMessage['parts'][number];

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

/** What a new message of the branch needs: a `message-start`, or the browser's own pending message. */
type NewMessage = Pick<StreamPartOf<'message-start'>, 'messageId' | 'parentId' | 'role'> &
  Partial<Pick<StreamPartOf<'message-start'>, 'content' | 'model' | 'createdAt' | 'turnId' | 'participant'>>;

const textParts = (content: string | undefined): MessagePart[] =>
  content ? [{ type: 'text', text: content }] : [];

function newMessage(state: BranchState, part: NewMessage): ChatMessage {
  const now = part.createdAt ?? new Date().toISOString();
  const reply = part.role === 'assistant';
  return {
    id: part.messageId,
    conversationId: state.conversationId,
    parentId: part.parentId,
    role: part.role,
    content: part.content ?? '',
    parts: textParts(part.content),
    turnId: part.turnId ?? null,
    speaker: part.participant ?? null,
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
function startMessage(state: BranchState, part: StreamPartOf<'message-start'>): BranchState {
  const replyId = part.role === 'assistant' ? part.messageId : state.replyId;
  const existing = state.messages.findIndex((m) => m.id === part.messageId);
  if (existing >= 0) {
    // A replay from the start (resume without Last-Event-ID): the deltas come again.
    const current = state.messages[existing]!;
    const restarted: ChatMessage =
      current.role === 'assistant'
        ? {
            ...current,
            content: part.content ?? '',
            parts: textParts(part.content),
            status: 'streaming',
            model: part.model ?? current.model,
          }
        : current;
    return { ...state, replyId, messages: [...state.messages.slice(0, existing), restarted] };
  }
  const parentIndex = part.parentId === null ? -1 : state.messages.findIndex((m) => m.id === part.parentId);
  // A parent outside the branch would be a server bug; keep what is shown and add the message.
  const keep = part.parentId !== null && parentIndex < 0 ? state.messages.length : parentIndex + 1;
  const replaced = state.messages[keep];
  const message = newMessage(state, part);
  // The person's message as the server stored it: the files shown while it was pending stay
  // (the stream names the message, not its parts; the branch fetched after the reply has them).
  if (part.role === 'user' && replaced && isPendingId(replaced.id))
    message.parts = [...message.parts, ...replaced.parts.filter((p) => p.type === 'file')];
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
 * Appends streamed text to the message's last part when it is of the same kind (text to text,
 * reasoning to reasoning), else starts a new part: the order the model produced them in stays.
 */
function appendText(parts: MessagePart[], type: 'text' | 'reasoning', delta: string): MessagePart[] {
  const last = parts.at(-1);
  if (last?.type === type) return [...parts.slice(0, -1), { type, text: last.text + delta }];
  return [...parts, { type, text: delta }];
}

/**
 * Folds one stream part into the branch. Pure: the same parts always give the same branch.
 * A part type this page does not know (from a newer server) changes nothing.
 * @example parts.reduce((s, p) => applyPart(s, p.part, p.seq), branchState(id, messages))
 */
export function applyPart(state: BranchState, part: StreamPart, seq?: number): BranchState {
  if (seq !== undefined && Number.isFinite(seq)) {
    if (seq <= state.lastEventId) return state;
    state = { ...state, lastEventId: seq };
  }
  switch (part.type) {
    case 'message-start':
      return startMessage(state, part);
    case 'model':
      // The fallback chain moved on: this model writes the rest of the reply.
      return updateReply(state, (m) => ({ ...m, model: part.modelId }));
    case 'text-delta':
      return updateReply(state, (m) => ({
        ...m,
        content: m.content + part.delta,
        parts: appendText(m.parts, 'text', part.delta),
      }));
    case 'reasoning-delta':
      return updateReply(state, (m) => ({ ...m, parts: appendText(m.parts, 'reasoning', part.delta) }));
    case 'tool-call': {
      const { type, ...call } = part;
      return updateReply(state, (m) => ({ ...m, parts: [...m.parts, { type, ...call }] }));
    }
    case 'tool-result': {
      const { type, ...result } = part;
      return updateReply(state, (m) => ({ ...m, parts: [...m.parts, { type, ...result }] }));
    }
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
        status: part.status,
        finishReason: part.finishReason,
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
export function applyParts(state: BranchState, parts: readonly { part: StreamPart; seq?: number }[]) {
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
  /** The files sent with it (file parts), shown under its text. */
  files: readonly MessagePart[] = [],
): BranchState {
  const parentIndex =
    parentId === null ? state.messages.length - 1 : state.messages.findIndex((m) => m.id === parentId);
  const message = newMessage(state, {
    messageId: id,
    parentId,
    role: 'user',
    content,
  });
  message.status = 'streaming';
  if (files.length > 0) message.parts = [...message.parts, ...files];
  return { ...state, messages: [...state.messages.slice(0, parentIndex + 1), message] };
}
