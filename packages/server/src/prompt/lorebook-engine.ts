import {
  evaluateEntry,
  type PreparedEntry,
  prepareEntry,
  scanChunk,
  toMessageChunks,
} from './lorebook-entry-evaluator.js';
import type { ScanChunk, ScanSource } from './lorebook-key-matcher.js';
import { type TokenCounter, tokenCounterFor } from './prompt-token-counter.js';
import { createSeededRandom, type RandomSource } from './seeded-random.js';

/** SillyTavern's secondary-key logic (world_info_logic 0–3). */
export type SelectiveLogic = 'AND_ANY' | 'NOT_ALL' | 'NOT_ANY' | 'AND_ALL';

/**
 * Where an entry's content goes: around the character definitions (`before_char`/`after_char`,
 * the Character Card V2 values), around the example dialogue, or into the chat history
 * `depth` messages from the end (`at_depth`).
 */
export type LorebookPosition = 'before_char' | 'after_char' | 'before_example' | 'after_example' | 'at_depth';

export const LOREBOOK_POSITIONS: readonly LorebookPosition[] = [
  'before_char',
  'after_char',
  'before_example',
  'after_example',
  'at_depth',
];

/**
 * One lorebook (World Info) entry. Names follow the Character Card V2 `character_book` entry in
 * camelCase (`insertion_order` → `insertionOrder`, `secondary_keys` → `secondaryKeys`), plus
 * the SillyTavern and V3 fields the engine understands.
 */
export interface LorebookEntry {
  id?: number | string;
  name?: string;
  comment?: string;
  /** Any key found in the scanned text activates the entry. `/pattern/flags` keys are regexes. */
  keys: string[];
  /** Checked with `selectiveLogic` once a primary key matched, when `selective` is on. */
  secondaryKeys?: string[];
  /** Default: on exactly when there are secondary keys. */
  selective?: boolean;
  /** Default AND_ANY. */
  selectiveLogic?: SelectiveLogic;
  content: string;
  /** Default true. */
  enabled?: boolean;
  /** Lower comes first in the prompt; higher wins when the token budget is short. */
  insertionOrder: number;
  /** Default: the book's setting, else false. */
  caseSensitive?: boolean;
  /** Default: the book's setting, else false. */
  matchWholeWords?: boolean;
  /** Card V3 `use_regex`: every key is a regex pattern. */
  useRegex?: boolean;
  /** Always active (subject to probability and budget). */
  constant?: boolean;
  /** Default `before_char`. */
  position?: LorebookPosition;
  /** For `at_depth`: messages from the end of the history. Default 4 (SillyTavern's). */
  depth?: number;
  /** For `at_depth`: the role of the injected message. Default system. */
  role?: 'system' | 'user' | 'assistant';
  /** Chance in percent that an activation counts. Default 100. */
  probability?: number;
  /** This entry's content never activates other entries. */
  preventRecursion?: boolean;
  /** This entry can only be activated by chat messages, never by another entry's content. */
  excludeRecursion?: boolean;
  /** This entry can only be activated by another entry's content. */
  delayUntilRecursion?: boolean;
  /** How many recent messages this entry looks at, instead of the book's `scanDepth`. */
  scanDepth?: number;
  /** Card V2 `priority`: kept for round trips; the budget ranks by `insertionOrder` as SillyTavern does. */
  priority?: number;
  extensions?: Record<string, unknown>;
}

/** A lorebook with its settings (Card V2 `character_book`: scan_depth, token_budget, recursive_scanning). */
export interface Lorebook {
  name?: string;
  description?: string;
  /** Recent messages scanned for keys. Default 2 (SillyTavern's); 0 scans only recursion. */
  scanDepth?: number;
  /** Tokens all activated content may use together. Default unlimited. */
  tokenBudget?: number;
  /** Activated entries' content can activate further entries. Default true. */
  recursiveScanning?: boolean;
  /** Recursion steps after the first scan; 0 or unset = until nothing new activates (at most {@link MAX_RECURSION_STEPS}). */
  maxRecursionSteps?: number;
  /** Book-wide defaults for entries that do not set them. */
  caseSensitive?: boolean;
  matchWholeWords?: boolean;
  entries: LorebookEntry[];
  extensions?: Record<string, unknown>;
}

/** A chat message to scan; a name is prefixed as `name: content`, so keys can match speakers. */
export type LorebookMessage = string | { name?: string; content: string };

export interface LorebookScanOptions {
  /** Oldest first, newest last. */
  messages: readonly LorebookMessage[];
  /** Default: js-tiktoken, cl100k_base. */
  countTokens?: TokenCounter;
  /** For probability checks. Default: seeded from `seed`, so runs are reproducible. */
  random?: RandomSource;
  seed?: number | string;
  /** Applied to keys and content before use, e.g. `(text) => expandMacros(text, context)`. */
  substitute?: (text: string) => string;
}

export type KeyMatch = { key: string; source: ScanSource };

export interface SecondaryCheck {
  logic: SelectiveLogic;
  matched: string[];
  unmatched: string[];
}

export type ActivationReason =
  | { type: 'constant' }
  | { type: 'key'; match: KeyMatch; secondary?: SecondaryCheck }
  | { type: 'recursion'; match: KeyMatch; secondary?: SecondaryCheck };

export interface ActivatedLoreEntry {
  entry: LorebookEntry;
  /** Index in `lorebook.entries`. */
  index: number;
  /** Content after `substitute`. */
  content: string;
  tokens: number;
  position: LorebookPosition;
  /** For `at_depth` entries. */
  depth?: number;
  /** 0 for the first scan, n for the n-th recursion step. */
  step: number;
  reason: ActivationReason;
  /** The reason in words, for a preview UI. */
  explanation: string;
}

export interface DroppedLoreEntry {
  entry: LorebookEntry;
  index: number;
  cause: 'budget' | 'probability';
  tokens?: number;
  reason: ActivationReason;
  explanation: string;
}

export interface LorebookWarning {
  index: number;
  key?: string;
  message: string;
}

export interface LorebookActivation {
  /** Each position's entries in ascending insertionOrder (ties: book order). */
  byPosition: Record<LorebookPosition, ActivatedLoreEntry[]>;
  /** All kept entries, ascending insertionOrder. */
  activated: ActivatedLoreEntry[];
  dropped: DroppedLoreEntry[];
  warnings: LorebookWarning[];
  totalTokens: number;
  /** How many recursion steps after the first scan activated something. */
  recursionSteps: number;
  budgetExhausted: boolean;
}

export { DEFAULT_SCAN_DEPTH } from './lorebook-entry-evaluator.js';
export const DEFAULT_INJECTION_DEPTH = 4;
/** Absolute bound on recursion steps; each step must also activate something new to continue. */
export const MAX_RECURSION_STEPS = 100;

interface Candidate {
  prepared: PreparedEntry;
  step: number;
  reason: ActivationReason;
}

/**
 * Decides which lorebook entries enter the prompt for this turn. The first scan looks for keys
 * in the last `scanDepth` messages; constant entries are always in. With recursive scanning, the
 * content of entries just activated is scanned next, step by step, until a step activates
 * nothing new; every entry activates at most once, so chains end and cycles (A↔B) stop. After
 * each step, new entries are admitted against the token budget in rank order — constant first,
 * then higher insertionOrder — and the first one that does not fit ends the scan (as in
 * SillyTavern): it and everything after it are reported in `dropped`, so a lower-ranked entry
 * never survives a higher-ranked one, and dropped content never activates others.
 * @example
 * const result = await activateLorebook(
 *   { entries: [{ keys: ['dragon'], content: 'Dragons breathe fire.', insertionOrder: 100 }] },
 *   { messages: ['Tell me about the dragon.'] },
 * );
 * result.byPosition.before_char[0]?.explanation // 'key "dragon" matched message 0'
 */
export async function activateLorebook(
  book: Lorebook,
  options: LorebookScanOptions,
): Promise<LorebookActivation> {
  const countTokens = options.countTokens ?? tokenCounterFor();
  const random = options.random ?? createSeededRandom(options.seed ?? 0);
  const warnings: LorebookWarning[] = [];
  const prepared = book.entries.flatMap((entry, index) =>
    prepareEntry(book, entry, index, options, warnings),
  );
  const messageChunks = toMessageChunks(options.messages);
  const recursionChunks: ScanChunk[] = [];
  const kept: ActivatedLoreEntry[] = [];
  const dropped: DroppedLoreEntry[] = [];
  const done = new Set<number>();
  const recursive = book.recursiveScanning ?? true;
  const requestedSteps = Math.floor(book.maxRecursionSteps ?? 0);
  const stepLimit = requestedSteps > 0 ? Math.min(MAX_RECURSION_STEPS, requestedSteps) : MAX_RECURSION_STEPS;
  const budget = book.tokenBudget ?? Number.POSITIVE_INFINITY;
  let used = 0;
  let budgetExhausted = false;
  let deepestStep = 0;

  for (let step = 0; step <= stepLimit; step++) {
    const candidates: Candidate[] = [];
    for (const entry of prepared) {
      if (done.has(entry.index)) continue;
      const reason = evaluateEntry(entry, step, messageChunks, recursionChunks);
      if (!reason) continue;
      done.add(entry.index);
      if (!passesProbability(entry.entry, random)) {
        dropped.push({ ...dropInfo(entry, reason, step), cause: 'probability' });
        continue;
      }
      candidates.push({ prepared: entry, step, reason });
    }
    if (candidates.length > 0) deepestStep = step;
    candidates.sort(byBudgetRank);
    let added = 0;
    for (const candidate of candidates) {
      const { prepared: entry } = candidate;
      // Once the budget overflowed, the rest of the ranking is dropped without counting.
      const tokens = budgetExhausted ? undefined : await countTokens(entry.content);
      if (tokens === undefined || used + tokens > budget) {
        budgetExhausted = true;
        dropped.push({ ...dropInfo(entry, candidate.reason, step), cause: 'budget', tokens });
        continue;
      }
      used += tokens;
      kept.push(toActivated(candidate, tokens));
      if (!entry.entry.preventRecursion) {
        recursionChunks.push(scanChunk(entry.content, { type: 'entry', index: entry.index, step }));
        added++;
      }
    }
    if (budgetExhausted || !recursive || added === 0) break;
  }

  kept.sort(byInsertionOrder);
  const byPosition = Object.fromEntries(
    LOREBOOK_POSITIONS.map((p) => [p, [] as ActivatedLoreEntry[]]),
  ) as Record<LorebookPosition, ActivatedLoreEntry[]>;
  for (const entry of kept) byPosition[entry.position].push(entry);
  return {
    byPosition,
    activated: kept,
    dropped,
    warnings,
    totalTokens: used,
    recursionSteps: deepestStep,
    budgetExhausted,
  };
}

function passesProbability(entry: LorebookEntry, random: RandomSource): boolean {
  const probability = entry.probability ?? 100;
  if (probability >= 100) return true;
  if (probability <= 0) return false;
  return random() * 100 < probability;
}

function byBudgetRank(a: Candidate, b: Candidate): number {
  const constant = Number(Boolean(b.prepared.entry.constant)) - Number(Boolean(a.prepared.entry.constant));
  return (
    constant ||
    b.prepared.entry.insertionOrder - a.prepared.entry.insertionOrder ||
    a.prepared.index - b.prepared.index
  );
}

function byInsertionOrder(a: ActivatedLoreEntry, b: ActivatedLoreEntry): number {
  return a.entry.insertionOrder - b.entry.insertionOrder || a.index - b.index;
}

function toActivated(candidate: Candidate, tokens: number): ActivatedLoreEntry {
  const { prepared, step, reason } = candidate;
  const position = prepared.entry.position ?? 'before_char';
  return {
    entry: prepared.entry,
    index: prepared.index,
    content: prepared.content,
    tokens,
    position,
    ...(position === 'at_depth' ? { depth: prepared.entry.depth ?? DEFAULT_INJECTION_DEPTH } : {}),
    step,
    reason,
    explanation: explainActivation(reason, step),
  };
}

function dropInfo(entry: PreparedEntry, reason: ActivationReason, step: number) {
  return { entry: entry.entry, index: entry.index, reason, explanation: explainActivation(reason, step) };
}

/**
 * Puts an activation reason into words for a preview UI; `step` is the scan step it happened in.
 * @example explainActivation({ type: 'constant' }, 0) // 'constant entry'
 */
export function explainActivation(reason: ActivationReason, step: number): string {
  if (reason.type === 'constant') return 'constant entry';
  const { key, source } = reason.match;
  const where =
    source.type === 'message'
      ? `message ${source.index}`
      : `the content of entry ${source.index} (recursion step ${step})`;
  const secondary = reason.secondary
    ? `; secondary keys (${reason.secondary.logic}) matched: ${quoteList(reason.secondary.matched)}, not matched: ${quoteList(reason.secondary.unmatched)}`
    : '';
  return `key "${key}" matched ${where}${secondary}`;
}

function quoteList(keys: string[]): string {
  return keys.length ? keys.map((key) => `"${key}"`).join(', ') : 'none';
}
