import type { Message } from '../domain/message.js';
import type { ChatMessage } from '../providers/types.js';
import type { AssembledContext } from './assemble-context.js';
import { TOKENS_PER_MESSAGE } from './context-budget.js';
import type { TokenCounter } from './prompt-token-counter.js';

/** After summarizing, at most this share of the history's room is left to verbatim turns. */
export const KEEP_VERBATIM_SHARE = 0.5;
/** The last exchange always stays verbatim. */
export const MIN_VERBATIM_MESSAGES = 2;

/**
 * How long a running summary may be: 15% of what the prompt may use, within 128–1024 tokens,
 * so it always leaves room for recent turns.
 * @example summaryTokenLimit(7168) // 1024
 */
export function summaryTokenLimit(available: number): number {
  return Math.min(1024, Math.max(128, Math.floor(available * 0.15)));
}

/** Which part of a branch a new summary should fold in. */
export interface SummaryPlan {
  /** The stored summary it extends (the nearest one above the cut), or null. */
  previous: { messageId: string; text: string } | null;
  /** Non-empty messages after the previous summary up to and including the cut, oldest first. */
  messages: Message[];
  /** Where the new summary is stored: it covers root → this message. */
  cutMessageId: string;
}

/**
 * Chooses the cut for the next summary from a context built for `branch`: the newest messages
 * that fit in half of the room left for history (after the system prompt, lore, memories and
 * a full-size summary) stay verbatim, at least the last exchange; everything older that no
 * summary covers yet is folded in. Null when there is nothing new to fold in. Messages the
 * context left out count as too large to keep, so they are always folded in.
 * @example planSummary(branch, assembled)?.cutMessageId
 */
export function planSummary(
  branch: readonly Message[],
  assembled: AssembledContext,
  /** Token counts of messages added to the branch after the context was built (the reply). */
  laterTokens: ReadonlyMap<string, number> = new Map(),
): SummaryPlan | null {
  let previousIndex = -1;
  for (let index = branch.length - 2; index >= 0; index--) {
    if (branch[index]!.summary?.trim()) {
      previousIndex = index;
      break;
    }
  }
  const messageTokens = new Map<string, number>(laterTokens);
  let historyTokens = 0;
  for (const part of assembled.parts) {
    if (part.kind === 'message' && part.messageId) messageTokens.set(part.messageId, part.tokens);
    if (part.kind === 'message' || part.kind === 'summary') historyTokens += part.tokens + TOKENS_PER_MESSAGE;
  }
  const fixed = assembled.tokens.total - historyTokens;
  const room = assembled.tokens.available - fixed - summaryTokenLimit(assembled.tokens.available);
  const keepBudget = Math.max(0, Math.floor(room * KEEP_VERBATIM_SHARE));

  // Walk back from the newest message; the first one that does not stay verbatim is the cut.
  let kept = 0;
  let used = 0;
  let cutIndex = -1;
  for (let index = branch.length - 1; index > previousIndex; index--) {
    const message = branch[index]!;
    if (message.content.trim() === '') continue;
    const tokens = messageTokens.get(message.id);
    const cost = tokens === undefined ? Number.POSITIVE_INFINITY : tokens + TOKENS_PER_MESSAGE;
    if (kept >= MIN_VERBATIM_MESSAGES && used + cost > keepBudget) {
      cutIndex = index;
      break;
    }
    kept++;
    used += cost;
  }
  if (cutIndex < 0) return null;
  const cut = branch[cutIndex]!;
  if (cut.status === 'streaming') return null;
  const previous = previousIndex >= 0 ? branch[previousIndex]! : null;
  return {
    previous: previous ? { messageId: previous.id, text: previous.summary!.trim() } : null,
    messages: branch.slice(previousIndex + 1, cutIndex + 1).filter((m) => m.content.trim() !== ''),
    cutMessageId: cut.id,
  };
}

/**
 * The oldest messages whose transcript fits in `budget` tokens; at least one, cut to fit when
 * it alone is too long, so a summary always makes progress.
 * @example await fitTranscript(messages, names, 3000, countTokens) // { messages: [...], transcript: 'Sam: …' }
 */
export async function fitTranscript(
  messages: readonly Message[],
  names: { user: string; char: string },
  budget: number,
  countTokens: TokenCounter,
): Promise<{ messages: Message[]; transcript: string }> {
  const lines: string[] = [];
  const taken: Message[] = [];
  let used = 0;
  for (const message of messages) {
    const line = transcriptLine(message, names);
    const tokens = (await countTokens(line)) + 2;
    if (used + tokens > budget) {
      if (taken.length === 0) {
        // Roughly four characters a token; a cut message is marked as such.
        lines.push(`${line.slice(0, Math.max(200, budget * 3))} […]`);
        taken.push(message);
      }
      break;
    }
    lines.push(line);
    taken.push(message);
    used += tokens;
  }
  return { messages: taken, transcript: lines.join('\n\n') };
}

function transcriptLine(message: Message, names: { user: string; char: string }): string {
  const speaker = message.role === 'user' ? names.user : message.role === 'assistant' ? names.char : 'System';
  const unfinished = message.role === 'assistant' && message.status !== 'complete' ? ' [unfinished]' : '';
  return `${speaker}:${unfinished} ${message.content.trim()}`;
}

/**
 * The request that asks a model to fold new messages into the running summary.
 * @example summaryRequest({ previous: null, transcript: 'Sam: Hi', names: { user: 'Sam', char: 'Aria' }, maxTokens: 512 })
 */
export function summaryRequest(input: {
  previous: string | null;
  transcript: string;
  names: { user: string; char: string };
  maxTokens: number;
}): ChatMessage[] {
  const { user, char } = input.names;
  const words = Math.max(60, Math.floor(input.maxTokens * 0.6));
  const system = [
    `You keep a running summary of a conversation between ${user} and ${char}, so that the conversation can continue after older messages are no longer shown.`,
    'Merge the previous summary (if any) with the new messages into one updated summary.',
    `Keep what matters later: facts about ${user} and ${char}, names, places, promises, decisions, open questions, how the relationship stands and the current situation and mood. Leave out small talk and repetition.`,
    `Write plain prose in the third person and past tense, in the language of the conversation, without headings or lists, in at most ${words} words.`,
    'Reply with the summary only.',
  ].join(' ');
  const previous = input.previous?.trim() || '(none yet)';
  return [
    { role: 'system', content: system },
    {
      role: 'user',
      content: `Previous summary:\n${previous}\n\nNew messages:\n${input.transcript}\n\nWrite the updated summary.`,
    },
  ];
}
