import { z } from 'zod';
import {
  LOREBOOK_POSITIONS,
  type Lorebook,
  type LorebookEntry,
  parseKeys,
  SELECTIVE_LOGICS,
} from './lorebook-types.js';

/*
 * The lorebook as editors see it: the stored shape (lorebook-types.ts) with keys as the text
 * a person types, regular expressions included as `/pattern/flags`. Everything Lumina does not
 * edit (`extensions`, `extra`) travels with each entry, so saving an edited book loses nothing
 * an import brought in. The limits stop abuse only: anything a World Info import accepts must
 * be savable again, or editing one entry of an imported book would fail on another.
 */

const text = (max: number) => z.string().max(max);
const anyRecord = z.record(z.string(), z.unknown());

export const lorebookEntryDocument = z
  .object({
    id: z
      .union([z.number(), text(200)])
      .optional()
      .describe('Kept across saves; new entries get the next free number'),
    name: text(1000).optional().describe('Card-spec name (AgnAI, Risu); never sent to the model'),
    comment: text(10_000).describe('The title people see; never sent to the model'),
    keys: z
      .array(text(10_000))
      .max(1000)
      .describe('Any of these in the chat activates the entry; `/pattern/flags` is a regular expression'),
    secondaryKeys: z.array(text(10_000)).max(1000),
    content: text(200_000).describe('What the model is told when the entry is active'),
    enabled: z.boolean(),
    constant: z.boolean().describe('Always active, whatever the keys'),
    selective: z.boolean().describe('Secondary keys are checked, combined by selectiveLogic'),
    selectiveLogic: z.enum(SELECTIVE_LOGICS),
    useRegex: z.boolean().describe('Every key is a regular expression'),
    caseSensitive: z.boolean().nullable().describe('null: the book’s default (off)'),
    matchWholeWords: z.boolean().nullable().describe('null: the book’s default (off)'),
    insertionOrder: z.number().describe('Lower is inserted earlier'),
    priority: z.number().optional(),
    position: z.enum(LOREBOOK_POSITIONS),
    depth: z.number().describe('Messages from the end of the chat, for at_depth'),
    scanDepth: z.number().nullable().describe('null: the book’s scan depth'),
    probability: z.number().nullable(),
    useProbability: z.boolean(),
    group: text(1000),
    excludeRecursion: z.boolean(),
    preventRecursion: z.boolean(),
    delayUntilRecursion: z.boolean(),
    extensions: anyRecord.describe('Other applications’ settings, kept as they came'),
    extra: anyRecord.describe('Unknown fields of the imported entry, kept as they came'),
  })
  .meta({ id: 'LorebookEntry' });

export const lorebookDocument = z
  .object({
    name: text(1000).optional(),
    description: text(20_000).optional(),
    scanDepth: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .nullable()
      .describe('Recent messages scanned for keys; null: 2'),
    tokenBudget: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .nullable()
      .describe('Tokens all active entries may use; null: no limit'),
    recursiveScanning: z.boolean().nullable().describe('Active entries can activate others; null: on'),
    extensions: anyRecord,
    extra: anyRecord,
    entries: z.array(lorebookEntryDocument).max(10_000),
  })
  .meta({ id: 'Lorebook' });

export type LorebookDocument = z.infer<typeof lorebookDocument>;

/**
 * The stored lorebook as an editor document.
 * @example toLorebookDocument(lorebook).entries[0].keys // ['eldoria', '/wyrms?/i']
 */
export function toLorebookDocument(lorebook: Lorebook): LorebookDocument {
  return {
    ...lorebook,
    entries: lorebook.entries.map((entry) => ({
      ...entry,
      keys: entry.keys.map((key) => key.text),
      secondaryKeys: entry.secondaryKeys.map((key) => key.text),
    })),
  };
}

/**
 * An edited document back to the stored lorebook: keys are read again (regular expressions
 * marked, invalid ones reported in `warnings` and kept as plain text), blank keys dropped, and
 * entries without an id numbered after the highest one, so World Info exports stay stable.
 */
export function fromLorebookDocument(document: LorebookDocument): { lorebook: Lorebook; warnings: string[] } {
  const warnings: string[] = [];
  let nextId =
    Math.max(-1, ...document.entries.map((entry) => (typeof entry.id === 'number' ? entry.id : -1))) + 1;
  const entries: LorebookEntry[] = document.entries.map((entry) => {
    const { id, name, priority, keys, secondaryKeys, ...fields } = entry;
    const clean = (texts: string[]) => texts.filter((key) => key.trim() !== '');
    return {
      ...fields,
      id: id ?? nextId++,
      ...(name !== undefined && { name }),
      ...(priority !== undefined && { priority }),
      keys: parseKeys(clean(keys), entry.useRegex, warnings),
      secondaryKeys: parseKeys(clean(secondaryKeys), entry.useRegex, warnings),
    };
  });
  const { name, description, ...book } = document;
  return {
    lorebook: {
      ...book,
      ...(name !== undefined && { name }),
      ...(description !== undefined && { description }),
      entries,
    },
    warnings,
  };
}
