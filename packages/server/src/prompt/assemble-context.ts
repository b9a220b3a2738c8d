import { toEngineLorebook } from '../avatars/avatar-lorebook-mapping.js';
import { toAvatarPersona } from '../avatars/avatar-persona-mapping.js';
import type { Avatar } from '../domain/avatar.js';
import type { ConversationPrompt } from '../domain/conversation-prompt.js';
import { MEMORY_LIMITS, type RecalledRef, type RecallItem } from '../domain/memory.js';
import type { Message } from '../domain/message.js';
import type { ChatMessage, ModelInfo } from '../providers/types.js';
import { characterDisplayName, type UserIdentity, userDisplayName } from './avatar-persona.js';
import {
  type CompileOptions,
  compileSystemPrompt,
  createPersonaMacroContext,
} from './compile-system-prompt.js';
import { fitHistory, fitPrefix, TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from './context-budget.js';
import { layoutContext } from './context-layout.js';
import { type ContextLore, describeLore, emptyLore, type LoreInjection, scanLore } from './context-lore.js';
import { memorySectionText, recalledRef } from './context-memory.js';
import { summarySectionText } from './context-sections.js';
import { countingDocumentsOnce } from './document-token-count.js';
import { imageCountOf, sentTextOfMessage } from './history-messages.js';
import { expandMacros } from './macros.js';
import { type AttachmentContents, IMAGE_TOKENS } from './message-attachments.js';
import { type TokenCounter, tokenCounterFor } from './prompt-token-counter.js';

/** Window used when the model does not say (CHAT_DEFAULT_CONTEXT_WINDOW). */
export const DEFAULT_CONTEXT_WINDOW = 8192;
/** Share of the window above which older turns should be summarized (CHAT_SUMMARY_THRESHOLD). */
export const DEFAULT_SUMMARY_THRESHOLD = 0.75;

export interface ContextInput {
  avatar: Avatar;
  user: UserIdentity;
  /**
   * Root → the message being answered (usually the user's last message). Each is sent as its
   * parts say (prompt/history-messages.ts: no reasoning, tool calls and results in the model's
   * shapes); messages with nothing to send are skipped; assistant messages of every status are
   * kept (partial text is real context).
   */
  branch: Message[];
  model: ModelInfo | undefined;
  /** Tokens reserved for the reply. */
  replyBudget: number;
  /**
   * What recall found (memory/recall.ts), pinned profile first then best first: the longest
   * prefix that fits (at most MEMORY_LIMITS.promptTokens) is sent as the memory section.
   */
  memories?: RecallItem[];
  /** For time macros; the current time when omitted. */
  now?: Date;
  /** Default: the tokenizer that approximates the model (js-tiktoken). */
  countTokens?: TokenCounter;
  /** Used when the model's context window is unknown. Default {@link DEFAULT_CONTEXT_WINDOW}. */
  defaultContextWindow?: number;
  /** 0–1; default {@link DEFAULT_SUMMARY_THRESHOLD}. */
  summaryThreshold?: number;
  /** The conversation's own system prompt and author's note (domain/conversation-prompt.ts). */
  conversationPrompt?: ConversationPrompt;
  /**
   * What the branch's file parts are sent as (pictures, document texts, notes), by part url;
   * read by the caller only when the branch has file parts. Without it, file parts are not sent.
   */
  attachments?: AttachmentContents;
}

export type ContextPartKind =
  | 'system'
  | 'lore'
  | 'authors_note'
  | 'memory'
  | 'summary'
  | 'message'
  | 'post_history';

/** One piece of the context, for a preview. `text` is exactly what is sent. */
export interface ContextPart {
  kind: ContextPartKind;
  title: string;
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** What is sent: the message's text, then each tool call as `name(input)`. */
  text: string;
  /** Tokens of `text` and of the pictures sent with it (message framing is counted in the total, not here). */
  tokens: number;
  /** For `message` parts: the pictures sent with it (each counted as {@link IMAGE_TOKENS}). */
  images?: number;
  /** For `message` parts: the stored message. */
  messageId?: string;
  /** Index in `messages` of the chat message this part is (or is in: system, memory and summary share the first). */
  messageIndex: number;
}

export interface AssembledContext {
  /** Exactly what is sent to the model. */
  messages: ChatMessage[];
  /** The same, explained, in order. */
  parts: ContextPart[];
  tokens: {
    /** Everything sent, message framing included. */
    total: number;
    window: number;
    /** `model`: the model's own context window; `default`: unknown, so the configured default. */
    windowSource: 'model' | 'default';
    replyBudget: number;
    /** What the prompt may use: the window minus the reply budget. */
    available: number;
    /** True when the system prompt and the newest message alone exceed `available`. */
    overBudget: boolean;
  };
  model: ModelInfo | null;
  /** Display names of the two speakers (`{{user}}` and `{{char}}`). */
  speakers: { user: string; char: string };
  /** The running summary that stands in for the older messages, when one is used. */
  summary: { throughMessageId: string; tokens: number; coveredMessages: number } | null;
  /** Messages that did not fit and are not covered by the summary, oldest first. */
  dropped: { messageIds: string[] };
  memories: { given: number; included: number };
  /** The recalled items sent (the reply stores them as `metadata.recalled`). */
  recalled: RecalledRef[];
  lore: ContextLore;
  /** The window is nearly full (or messages were dropped): older turns should be summarized. */
  needsSummary: boolean;
}

/**
 * Builds what is sent to the model for the next reply: the compiled system prompt (with the
 * lorebook entries the branch activates), recalled memories, the running summary of older
 * turns, as many recent messages as fit the window minus the reply budget (newest kept,
 * oldest dropped, `at_depth` lore inserted among them), and the post-history instructions.
 * When space is short, the system prompt, lore, post-history instructions and the newest
 * message come first, then the summary, then memories (best first), then older messages.
 * Same input (including `now`), same output.
 * @example
 * const context = await assembleContext({ avatar, user: { name: 'Sam' }, branch, model, replyBudget: 1024 });
 * context.messages[0]?.role // 'system'
 */
export async function assembleContext(input: ContextInput): Promise<AssembledContext> {
  const { attachments } = input;
  // Long document texts are counted once per attachment, not on every turn.
  const countTokens = countingDocumentsOnce(
    input.countTokens ?? tokenCounterFor(input.model?.id),
    attachments,
    input.model?.id ?? '',
  );
  const persona = toAvatarPersona(input.avatar);
  const speakers = { user: userDisplayName(input.user), char: characterDisplayName(persona) };
  const window =
    input.model?.contextWindow && input.model.contextWindow > 0
      ? input.model.contextWindow
      : (input.defaultContextWindow ?? DEFAULT_CONTEXT_WINDOW);
  const replyBudget = Math.max(0, Math.floor(input.replyBudget));
  const available = Math.max(0, window - replyBudget);

  const { branch } = input;
  const history = branch.filter((message) => message.content.trim() !== '');
  const target = branch.at(-1);
  const options: CompileOptions = {
    now: input.now ?? new Date(),
    // Per turn, so {{random}} varies between turns but never between two builds of one turn.
    seed: target?.id ?? 0,
    ...(target ? { pickSeed: target.conversationId } : {}),
    conversation: conversationFacts(history),
    countTokens,
  };

  const book = toEngineLorebook(input.avatar);
  const activation = book
    ? await scanLore(
        book,
        history,
        speakers,
        createPersonaMacroContext(persona, input.user, options),
        options,
      )
    : null;
  const compiled = await compileSystemPrompt(persona, input.user, {
    ...options,
    ...(activation ? { worldInfo: activation.activation } : {}),
    conversationPrompt: input.conversationPrompt?.systemPrompt ?? null,
  });
  const postHistory = compiled.postHistoryInstructions;
  const note = input.conversationPrompt?.authorsNote;
  const noteText = note?.text.trim()
    ? expandMacros(note.text, createPersonaMacroContext(persona, input.user, options)).trim()
    : '';
  // The author's note goes in as lore does: a message at its depth in the history.
  const injections: LoreInjection[] = [
    ...(activation?.injections ?? []),
    ...(noteText && note
      ? [
          {
            depth: note.depth,
            role: note.role,
            title: 'Author’s note',
            text: noteText,
            tokens: await countTokens(noteText),
            kind: 'authors_note' as const,
          },
        ]
      : []),
  ];

  // Fixed costs: everything that is sent whatever the history holds.
  let used = TOKENS_PER_REPLY + compiled.tokens + TOKENS_PER_MESSAGE;
  for (const injection of injections) used += injection.tokens + TOKENS_PER_MESSAGE;
  if (postHistory) used += postHistory.tokens + TOKENS_PER_MESSAGE;

  // The summary: the nearest ancestor of the answered message that carries one.
  const summaryIndex = findSummaryIndex(branch);
  const summaryRow = summaryIndex >= 0 ? branch[summaryIndex]! : null;
  // What each message sends (text, tool calls, results; never reasoning), counted as sent.
  const sentText = new Map(branch.map((message) => [message, sentTextOfMessage(message, attachments)]));
  const imageTokens = (message: Message) => imageCountOf(message, attachments) * IMAGE_TOKENS;
  const sends = (message: Message) => sentText.get(message)!.trim() !== '' || imageTokens(message) > 0;
  const candidates = (summaryRow ? branch.slice(summaryIndex + 1) : branch)
    .filter(sends)
    .map((message) => ({ item: message, text: sentText.get(message)!, extraTokens: imageTokens(message) }));
  const newest = candidates.length > 0 ? await fitHistory(candidates.slice(-1), 0, countTokens, true) : null;
  if (newest) used += newest.used;

  // Separators joining sections into the first system message cost about a token each.
  const summaryText = summaryRow ? summarySectionText(summaryRow.summary ?? '') : '';
  const summaryTokens = summaryText ? await countTokens(summaryText) : 0;
  const useSummary = Boolean(summaryText) && used + summaryTokens + 1 <= available;
  if (useSummary) used += summaryTokens + 1;

  const memories = (input.memories ?? []).filter((item) => item.content.trim() !== '');
  const memoryRoom = Math.min(MEMORY_LIMITS.promptTokens, available - used - 1);
  const memoryFit = await fitPrefix(memories, memorySectionText, memoryRoom, countTokens);
  if (memoryFit.count > 0) used += memoryFit.tokens + 1;

  const older = await fitHistory(candidates.slice(0, -1), Math.max(0, available - used), countTokens);
  used += older.used;
  const dropped = older.dropped.map((message) => message.id);
  const covered = summaryRow ? branch.slice(0, summaryIndex + 1).filter(sends) : [];
  // A summary too large to send leaves the messages it covers out as well.
  if (!useSummary) dropped.unshift(...covered.map((message) => message.id));

  const { messages, parts, total } = await layoutContext(
    {
      system: { title: 'System prompt', text: compiled.text, tokens: compiled.tokens },
      memory: memoryFit.count > 0 ? { title: `Memories (${memoryFit.count})`, ...memoryFit } : null,
      summary: useSummary
        ? { title: 'Summary of earlier messages', text: summaryText, tokens: summaryTokens }
        : null,
      history: [...older.kept, ...(newest?.kept ?? [])].map((kept) => ({
        ...kept,
        text: sentText.get(kept.item)!,
      })),
      injections,
      postHistory,
      speakers,
      attachments,
    },
    countTokens,
  );
  const threshold = input.summaryThreshold ?? DEFAULT_SUMMARY_THRESHOLD;
  const summarizable = candidates.length >= 2;

  return {
    messages,
    parts,
    tokens: {
      total,
      window,
      windowSource: window === input.model?.contextWindow ? 'model' : 'default',
      replyBudget,
      available,
      overBudget: total > available,
    },
    model: input.model ?? null,
    speakers,
    summary:
      useSummary && summaryRow
        ? {
            throughMessageId: summaryRow.id,
            tokens: summaryTokens,
            coveredMessages: covered.length,
          }
        : null,
    dropped: { messageIds: dropped },
    memories: { given: input.memories?.length ?? 0, included: memoryFit.count },
    recalled: memories.slice(0, memoryFit.count).map(recalledRef),
    lore: activation ? describeLore(activation.activation, activation.scanned) : emptyLore(),
    needsSummary: summarizable && (dropped.length > 0 || total >= threshold * available),
  };
}

/** The nearest message above the last one that carries a running summary, or -1. */
function findSummaryIndex(branch: readonly Message[]): number {
  for (let index = branch.length - 2; index >= 0; index--) {
    if (branch[index]!.summary?.trim()) return index;
  }
  return -1;
}

/** `{{lastMessage}}`, `{{lastUserMessage}}`, `{{lastCharMessage}}` from the branch. */
function conversationFacts(history: readonly Message[]): CompileOptions['conversation'] {
  const last = (role?: Message['role']) =>
    history.findLast((message) => role === undefined || message.role === role)?.content;
  return {
    lastMessage: last() ?? '',
    lastUserMessage: last('user') ?? '',
    lastCharMessage: last('assistant') ?? '',
  };
}
