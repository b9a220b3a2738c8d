import type { ConversationEvent, StreamPart } from '@lumina/sdk';
import type { ChatMessage } from './conversations';

/**
 * Compare (docs/conversations.md "Compare"): one message answered by 2–6 models at once, each
 * answer a sibling reply labelled with its model; a merge is one more sibling written from some
 * of them. This file holds the pure parts: which stored messages form a compare, and how the
 * streamed parts of its replies fold into columns.
 */

export const COMPARE_MIN_MODELS = 2;
export const COMPARE_MAX_MODELS = 6;

/** How many finished answers one consensus judges. */
export const CONSENSUS_MIN_ANSWERS = 3;
export const CONSENSUS_MAX_ANSWERS = 5;

/** One answer of a compare (or a merge of some), as a column shows it. */
export interface CompareColumn {
  id: string;
  model: string | null;
  content: string;
  status: ChatMessage['status'];
  error: { code: string; message: string } | null;
  usage: ChatMessage['usage'];
  timings: ChatMessage['timings'];
  /** Set on a merged answer: the model that wrote it and the replies it read. */
  merge: { model: string; from: string[] } | null;
  /** Set on a consensus: the judge and the answers it read; `[An]` in its text cites `from[n-1]`. */
  consensus: { model: string; from: string[] } | null;
  /** The column's place: the compare's order, merges after. */
  index: number;
}

interface CompareMark {
  model: string;
  index: number;
}

const compareMark = (metadata: ChatMessage['metadata']): CompareMark | null => {
  const mark = metadata?.compare as Partial<CompareMark> | undefined;
  return mark && typeof mark.model === 'string' && typeof mark.index === 'number'
    ? { model: mark.model, index: mark.index }
    : null;
};

const mergeMark = (
  metadata: ChatMessage['metadata'],
  key: 'merge' | 'consensus' = 'merge',
): CompareColumn['merge'] => {
  const mark = metadata?.[key] as { model?: unknown; from?: unknown } | undefined;
  return mark && typeof mark.model === 'string' && Array.isArray(mark.from)
    ? { model: mark.model, from: mark.from.filter((id): id is string => typeof id === 'string') }
    : null;
};

/** The models a user message was compared with, or null when it was an ordinary send. */
export function comparedModels(message: Pick<ChatMessage, 'role' | 'metadata'>): string[] | null {
  if (message.role !== 'user') return null;
  const models = (message.metadata?.compare as { models?: unknown } | undefined)?.models;
  return Array.isArray(models) ? models.filter((m): m is string => typeof m === 'string') : null;
}

/** Whether a reply is part of a compare board: a compare column or a merge. */
export const isCompareReply = (message: Pick<ChatMessage, 'role' | 'metadata'>) =>
  message.role === 'assistant' &&
  (compareMark(message.metadata) !== null ||
    mergeMark(message.metadata) !== null ||
    mergeMark(message.metadata, 'consensus') !== null);

/** A stored reply as a column. */
export function columnOf(message: ChatMessage, fallbackIndex: number): CompareColumn {
  const mark = compareMark(message.metadata);
  const merge = mergeMark(message.metadata);
  const consensus = mergeMark(message.metadata, 'consensus');
  return {
    id: message.id,
    model: message.model ?? mark?.model ?? merge?.model ?? consensus?.model ?? null,
    content: message.content,
    status: message.status,
    error: message.error ? { code: message.error.code, message: message.error.message } : null,
    usage: message.usage,
    timings: message.timings,
    merge,
    consensus,
    index: mark?.index ?? COMPARE_MAX_MODELS + fallbackIndex,
  };
}

/** The columns of the compare that answered `questionId`, from the conversation's whole tree. */
export function compareColumns(tree: readonly ChatMessage[], questionId: string): CompareColumn[] {
  return tree
    .filter((m) => m.parentId === questionId && isCompareReply(m))
    .map((m, i) => columnOf(m, i))
    .sort((a, b) => a.index - b.index || a.id.localeCompare(b.id));
}

/** A column for a reply that has just started (its `message-start`). */
function startedColumn(part: Extract<StreamPart, { type: 'message-start' }>, index: number): CompareColumn {
  return {
    id: part.messageId,
    model: part.model,
    content: part.content ?? '',
    status: 'streaming',
    error: null,
    usage: null,
    timings: null,
    merge: null,
    consensus: null,
    index,
  };
}

/** Live columns, by reply id, with the user message the compare stored. */
export interface LiveCompare {
  questionId: string | null;
  columns: CompareColumn[];
}

/**
 * Folds one streamed part of reply `messageId` into the live columns (a pure function: the same
 * events give the same columns). A user message's `message-start` names the question.
 */
export function applyCompareEvent(
  state: LiveCompare,
  event: Pick<ConversationEvent, 'messageId' | 'part'>,
  /** A merge's or a consensus' mark; or the column's place in the compare (`x-lumina-reply-ids`). */
  mark?: { merge?: CompareColumn['merge']; consensus?: CompareColumn['consensus']; index?: number },
): LiveCompare {
  const { part, messageId } = event;
  if (part.type === 'message-start') {
    if (part.role === 'user') return { ...state, questionId: part.messageId };
    if (state.columns.some((c) => c.id === part.messageId)) return state;
    const index =
      mark?.merge || mark?.consensus
        ? COMPARE_MAX_MODELS + state.columns.length
        : mark?.index !== undefined && mark.index >= 0
          ? mark.index
          : state.columns.length;
    const column = startedColumn(part, index);
    return {
      ...state,
      columns: [
        ...state.columns,
        { ...column, merge: mark?.merge ?? null, consensus: mark?.consensus ?? null },
      ],
    };
  }
  const columns = state.columns.map((column) => {
    if (column.id !== messageId) return column;
    switch (part.type) {
      case 'text-delta':
        return { ...column, content: column.content + part.delta };
      case 'model':
        return { ...column, model: part.modelId };
      case 'usage':
        return {
          ...column,
          usage: { inputTokens: part.inputTokens, outputTokens: part.outputTokens, costUsd: part.costUsd },
        };
      case 'error':
        return { ...column, error: { code: part.code, message: part.message } };
      case 'finish':
        return { ...column, status: part.status, timings: part.timings ?? column.timings };
      default:
        return column;
    }
  });
  return { ...state, columns };
}

/** The stored columns with the live ones laid over them (live text wins while it streams). */
export function mergeColumns(stored: CompareColumn[], live: CompareColumn[]): CompareColumn[] {
  const byId = new Map(stored.map((c) => [c.id, c]));
  for (const column of live) {
    const kept = byId.get(column.id);
    // Once the server's copy is finished it is the truth (cost and timings included).
    if (!kept || kept.status === 'streaming')
      byId.set(
        column.id,
        kept
          ? { ...column, merge: kept.merge ?? column.merge, consensus: kept.consensus ?? column.consensus }
          : column,
      );
  }
  return [...byId.values()].sort((a, b) => a.index - b.index || a.id.localeCompare(b.id));
}

/** Whether a column is a model's own answer (not a merge or a consensus written from others). */
export const isAnswer = (column: CompareColumn) => column.merge === null && column.consensus === null;

/** Finished answers with text: what a merge or a consensus can read. */
export const mergeable = (columns: readonly CompareColumn[]) =>
  columns.filter((c) => c.status !== 'streaming' && c.content.trim() !== '' && isAnswer(c));

/** The href a consensus citation `[An]` becomes in its Markdown (components/chat/citations.tsx). */
export const CITATION_HREF = '#lumina-answer-';

/**
 * A consensus text with each citation `[An]` of an answer it read (1 ≤ n ≤ `count`) turned into
 * a Markdown link to `#lumina-answer-n`; any other marker (an answer it did not read, `[A0]`,
 * `[A9]`) and anything inside code stays as written.
 * @example citationMarkdown('Mercury [A1], Venus [A7]', 3) // 'Mercury [A1](#lumina-answer-1), Venus [A7]'
 */
export function citationMarkdown(text: string, count: number): string {
  return text
    .split(/(```[\s\S]*?(?:```|$)|`[^`\n]*`)/)
    .map((piece, i) =>
      i % 2 === 1
        ? piece
        : piece.replace(/\[A(\d{1,2})\](?!\()/g, (marker, digits: string) => {
            const n = Number(digits);
            return n >= 1 && n <= count ? `[A${n}](${CITATION_HREF}${n})` : marker;
          }),
    )
    .join('');
}

/** "gpt-4o-mini" from "openai/gpt-4o-mini" (a column's title; the full id is its tooltip). */
export function shortModelName(model: string | null): string {
  if (!model) return 'Unknown model';
  const slash = model.indexOf('/');
  return slash >= 0 ? model.slice(slash + 1) : model;
}
