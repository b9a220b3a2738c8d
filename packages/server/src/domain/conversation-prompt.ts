import { z } from 'zod';

/** Where an author's note goes: this many messages above the newest (0 = after it). */
export const AUTHORS_NOTE_MAX_DEPTH = 100;
/** The longest per-conversation prompt text (each of the two). */
export const CONVERSATION_PROMPT_MAX_CHARS = 20_000;

const promptText = z.string().max(CONVERSATION_PROMPT_MAX_CHARS);

/**
 * A conversation's own prompt controls (SillyTavern users know both):
 * - `systemPrompt` replaces the avatar's main prompt (the card's system prompt, or Lumina's
 *   identity paragraph) for this conversation only; `{{original}}` inserts what it replaces;
 * - `authorsNote` is a short instruction inserted `depth` messages above the newest one, as the
 *   given role, on every turn (a steer that stays close to the end of the context);
 * - `personaId` is the user's persona (settings `personas`) they speak as here: `{{user}}` and
 *   the prompt's "The user" section follow it; `account` = their account's names; null or
 *   absent = their default persona, else their account's names.
 */
const authorsNoteSchema = z.object({
  text: promptText,
  depth: z.number().int().min(0).max(AUTHORS_NOTE_MAX_DEPTH).default(4),
  role: z.enum(['system', 'user', 'assistant']).default('system'),
});

export const conversationPromptSchema = z
  .object({
    systemPrompt: promptText.nullable().default(null),
    authorsNote: authorsNoteSchema.nullable().default(null),
    personaId: z
      .union([z.uuid(), z.literal('account')])
      .nullable()
      .optional(),
  })
  .meta({ id: 'ConversationPrompt' });

/** A change to them: fields left out keep their value, null clears. */
export const conversationPromptChangeSchema = z.object({
  systemPrompt: promptText.nullable().optional(),
  authorsNote: authorsNoteSchema.nullable().optional(),
  personaId: z
    .union([z.uuid(), z.literal('account')])
    .nullable()
    .optional()
    .describe(
      'One of your personas (settings `personas`), `account` to speak as your account even when you have a default persona, or null for your default',
    ),
});

export type ConversationPrompt = z.infer<typeof conversationPromptSchema>;

/** The stored document, read leniently: anything unreadable is "no controls". */
export function readConversationPrompt(stored: unknown): ConversationPrompt {
  const parsed = conversationPromptSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : { systemPrompt: null, authorsNote: null };
}
