import type { Message } from '../domain/message.js';
import type { CompileOptions } from './compile-system-prompt.js';
import { groupDepthInjections, loreEntryLabel } from './context-sections.js';
import {
  type ActivatedLoreEntry,
  type ActivationReason,
  activateLorebook,
  DEFAULT_SCAN_DEPTH,
  type Lorebook,
  type LorebookActivation,
  type LorebookPosition,
} from './lorebook-engine.js';
import { expandMacros, type MacroContext } from './macros.js';
import { tokenCounterFor } from './prompt-token-counter.js';

/** What the lorebook contributed to a context, for a preview. */
export interface ContextLore {
  activated: number;
  /** Tokens of all activated entries' content. */
  tokens: number;
  entries: {
    label: string;
    position: LorebookPosition;
    depth: number | null;
    tokens: number;
    /** Counts the scanned messages oldest first ("message 0" is the oldest one scanned). */
    explanation: string;
    /** The message whose text activated the entry (null for constant entries and recursion). */
    messageId: string | null;
  }[];
  dropped: { label: string; cause: 'budget' | 'probability'; explanation: string }[];
  warnings: string[];
  budgetExhausted: boolean;
}

/** A message of lore inserted into the history. */
export interface LoreInjection {
  depth: number;
  role: 'system' | 'user' | 'assistant';
  title: string;
  text: string;
  tokens: number;
  /** What it is in the context preview: lore (default), or the conversation's author's note. */
  kind?: 'lore' | 'authors_note';
}

/**
 * Activates an avatar's lorebook against the end of the branch (each message scanned as
 * `Name: text`, so keys can match speakers; only as many messages as the deepest scan reaches)
 * with macros expanded in keys and content, and prepares the `at_depth` entries as history
 * messages.
 * @example const { activation, injections } = await scanLore(book, history, { user: 'Sam', char: 'Aria' }, macros, options);
 */
export async function scanLore(
  book: Lorebook,
  history: readonly Message[],
  speakers: { user: string; char: string },
  macros: MacroContext,
  options: Pick<CompileOptions, 'seed' | 'countTokens'>,
): Promise<{ activation: LorebookActivation; injections: LoreInjection[]; scanned: Message[] }> {
  const countTokens = options.countTokens ?? tokenCounterFor();
  // Only the deepest scan any entry makes is read: a long branch costs what its tail costs.
  const scanned = history.slice(-deepestScan(book));
  const activation = await activateLorebook(book, {
    messages: scanned.map((message) => ({
      name: message.role === 'user' ? speakers.user : message.role === 'assistant' ? speakers.char : '',
      content: message.content,
    })),
    countTokens,
    seed: options.seed ?? 0,
    substitute: (text) => expandMacros(text, macros),
  });
  const injections: LoreInjection[] = [];
  for (const group of groupDepthInjections(activation.byPosition.at_depth)) {
    injections.push({
      depth: group.depth,
      role: group.role,
      title: `Lore at depth ${group.depth}: ${group.entries.map(loreEntryLabel).join(', ')}`,
      text: group.text,
      tokens: await countTokens(group.text),
    });
  }
  return { activation, injections, scanned };
}

/** Messages the book's scan can reach (the engine allows at most 1,000). */
function deepestScan(book: Lorebook): number {
  const depths = [book.scanDepth ?? DEFAULT_SCAN_DEPTH, ...book.entries.map((entry) => entry.scanDepth ?? 0)];
  return Math.min(1000, Math.max(1, ...depths.map((depth) => Math.floor(depth) || 0)));
}

/** The preview's account of an activation. */
export function describeLore(activation: LorebookActivation, scanned: readonly Message[]): ContextLore {
  // The engine numbers the messages it scanned; the preview names the stored message instead.
  const matched = (reason: ActivationReason) =>
    reason.type !== 'constant' && reason.match.source.type === 'message'
      ? (scanned[reason.match.source.index]?.id ?? null)
      : null;
  const entry = (activated: ActivatedLoreEntry) => ({
    label: loreEntryLabel(activated),
    position: activated.position,
    depth: activated.depth ?? null,
    tokens: activated.tokens,
    explanation: activated.explanation,
    messageId: matched(activated.reason),
  });
  return {
    activated: activation.activated.length,
    tokens: activation.totalTokens,
    entries: activation.activated.map(entry),
    dropped: activation.dropped.map((dropped) => ({
      label: loreEntryLabel(dropped),
      cause: dropped.cause,
      explanation: dropped.explanation,
    })),
    warnings: activation.warnings.map((warning) => warning.message),
    budgetExhausted: activation.budgetExhausted,
  };
}

/** No lorebook, nothing activated. */
export function emptyLore(): ContextLore {
  return { activated: 0, tokens: 0, entries: [], dropped: [], warnings: [], budgetExhausted: false };
}
