import type { MessageRow } from '../db/schema/index.js';
import type { CompileOptions } from './compile-system-prompt.js';
import { groupDepthInjections, loreEntryLabel } from './context-sections.js';
import {
  type ActivatedLoreEntry,
  activateLorebook,
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
    explanation: string;
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
}

/**
 * Activates an avatar's lorebook against the branch (each message scanned as `Name: text`, so
 * keys can match speakers) with macros expanded in keys and content, and prepares the `at_depth`
 * entries as history messages.
 * @example const { activation, injections } = await scanLore(book, history, { user: 'Sam', char: 'Aria' }, macros, options);
 */
export async function scanLore(
  book: Lorebook,
  history: readonly MessageRow[],
  speakers: { user: string; char: string },
  macros: MacroContext,
  options: Pick<CompileOptions, 'seed' | 'countTokens'>,
): Promise<{ activation: LorebookActivation; injections: LoreInjection[] }> {
  const countTokens = options.countTokens ?? tokenCounterFor();
  const activation = await activateLorebook(book, {
    messages: history.map((message) => ({
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
  return { activation, injections };
}

/** The preview's account of an activation. */
export function describeLore(activation: LorebookActivation): ContextLore {
  const entry = (activated: ActivatedLoreEntry) => ({
    label: loreEntryLabel(activated),
    position: activated.position,
    depth: activated.depth ?? null,
    tokens: activated.tokens,
    explanation: activated.explanation,
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
