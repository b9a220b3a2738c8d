import {
  type AvatarPersona,
  characterDisplayName,
  type UserIdentity,
  userDisplayName,
} from './avatar-persona.js';
import type { LorebookActivation, LorebookPosition } from './lorebook-engine.js';
import { expandMacros, type MacroContext } from './macros.js';
import { type TokenCounter, tokenCounterFor } from './prompt-token-counter.js';
import { createSeededRandom } from './seeded-random.js';
import { styleInstructions } from './style-instructions.js';

export type PromptSectionName =
  | 'identity'
  | 'system_prompt'
  | 'conversation_prompt'
  | 'lore_before_character'
  | 'description'
  | 'personality'
  | 'traits'
  | 'style'
  | 'backstory'
  | 'scenario'
  | 'lore_after_character'
  | 'user'
  | 'lore_before_examples'
  | 'example_dialogue'
  | 'lore_after_examples'
  | 'post_history_instructions';

/** One block of the prompt, as shown in a preview: `text` is exactly what is sent. */
export interface PromptSection {
  name: PromptSectionName;
  title: string;
  text: string;
  tokens: number;
}

export interface CompiledSystemPrompt {
  /** The system prompt: the sections' text joined by blank lines. */
  text: string;
  tokens: number;
  sections: PromptSection[];
  /** Sent after the chat history, not in the system prompt; null when there are none. */
  postHistoryInstructions: PromptSection | null;
}

/** What a conversation tells the macros; all optional. */
export interface ConversationFacts {
  idleDuration?: string;
  lastMessage?: string;
  lastUserMessage?: string;
  lastCharMessage?: string;
}

export interface CompileOptions {
  /** For `{{time}}`, `{{date}}` …; the current time when omitted (then output varies with it). */
  now?: Date;
  timeZone?: string;
  locale?: string;
  /** Seeds `{{random}}` and `{{roll}}`. Default 0: same input, same prompt. Pass a per-turn value for variety. */
  seed?: number | string;
  /** Keeps `{{pick}}` stable for a conversation, e.g. its id. */
  pickSeed?: string | number;
  conversation?: ConversationFacts;
  /** Replaces the built-in identity paragraph (a user- or instance-level main prompt). */
  mainPrompt?: string;
  /**
   * The conversation's own system prompt: replaces the main prompt (the card's system prompt,
   * else the identity) for this conversation; `{{original}}` inserts what it replaces.
   */
  conversationPrompt?: string | null;
  /** What `{{original}}` means in the card's post-history instructions, and used when the card has none. */
  defaultPostHistoryInstructions?: string;
  /** Activated lorebook entries; `at_depth` entries belong to the chat history and are ignored here. */
  worldInfo?: Pick<LorebookActivation, 'byPosition'>;
  /** Default: js-tiktoken, cl100k_base. */
  countTokens?: TokenCounter;
}

/**
 * The macro context a persona implies: `{{char}}` is the nickname or name, `{{user}}` the
 * preferred name or name, and `{{description}}`, `{{personality}}`, `{{scenario}}`,
 * `{{persona}}` (the user's description) read the persona. Reuse it for lorebook content
 * (`substitute`) so lore and system prompt agree.
 * @example expandMacros('{{char}} greets {{user}}', createPersonaMacroContext({ name: 'Aria' }, { name: 'Sam' }))
 * // 'Aria greets Sam'
 */
export function createPersonaMacroContext(
  persona: AvatarPersona,
  user: UserIdentity,
  options: CompileOptions = {},
): MacroContext {
  return {
    char: characterDisplayName(persona),
    user: userDisplayName(user),
    now: options.now,
    timeZone: options.timeZone,
    locale: options.locale,
    random: createSeededRandom(options.seed ?? 0),
    pickSeed: options.pickSeed,
    ...options.conversation,
    values: {
      description: persona.description ?? '',
      personality: persona.persona ?? '',
      scenario: persona.scenario ?? '',
      persona: user.description ?? '',
    },
  };
}

/**
 * Builds an avatar's system prompt. Layout, each part omitted when empty:
 * identity (or the card's system prompt, where `{{original}}` is the identity), lore before
 * the character, description, personality, traits, communication style from the sliders,
 * backstory, scenario, lore after the character, how to address the user, lore before the
 * examples, example dialogue, lore after the examples. Post-history instructions come back
 * separately. Each field is macro-expanded on its own before it is placed in a template, so a
 * name containing `{{…}}` is never expanded. Creator notes and greetings are never included.
 * The same persona, user and options (including `now` and `seed`) give the same prompt.
 * @example
 * const prompt = await compileSystemPrompt({ name: 'Aria', style: { verbosity: 10 } }, { name: 'Samuel', preferredName: 'Sam' });
 * prompt.sections.map((s) => s.name) // ['identity', 'style', 'user']
 */
export async function compileSystemPrompt(
  persona: AvatarPersona,
  user: UserIdentity,
  options: CompileOptions = {},
): Promise<CompiledSystemPrompt> {
  const context = createPersonaMacroContext(persona, user, options);
  const expand = (text: string | undefined, original?: string) =>
    text ? expandMacros(text, original === undefined ? context : { ...context, original }).trim() : '';
  const char = context.char;
  const lore = (position: LorebookPosition) =>
    (options.worldInfo?.byPosition[position] ?? []).map((entry) => entry.content.trim()).join('\n');

  const identity = options.mainPrompt ? expand(options.mainPrompt) : identityParagraph(persona, char);
  const cardPrompt = expand(persona.systemPrompt, identity);
  const main: [PromptSectionName, string, string] = cardPrompt
    ? ['system_prompt', 'System prompt (from the card)', cardPrompt]
    : ['identity', 'Identity', identity];
  const conversationPrompt = options.conversationPrompt?.trim()
    ? expand(options.conversationPrompt, main[2])
    : '';
  const drafts: [PromptSectionName, string, string][] = [
    conversationPrompt
      ? ['conversation_prompt', 'System prompt (this conversation)', conversationPrompt]
      : main,
    ['lore_before_character', 'Lore (before the character)', headed('Lore', lore('before_char'))],
    ['description', 'Description', headed('Description', expand(persona.description))],
    ['personality', 'Personality', headed('Personality', expand(persona.persona))],
    ['traits', 'Traits', headed('Traits', traitsSentence(persona.traits ?? [], expand))],
    ['style', 'Communication style', headed('How you communicate', styleList(persona, expand))],
    ['backstory', 'Backstory', headed('Backstory', expand(persona.backstory))],
    ['scenario', 'Scenario', headed('Scenario', expand(persona.scenario))],
    ['lore_after_character', 'Lore (after the character)', headed('Lore', lore('after_char'))],
    ['user', 'The user', headed('The user', userParagraph(user, expand))],
    ['lore_before_examples', 'Lore (before the examples)', headed('Lore', lore('before_example'))],
    ['example_dialogue', 'Example dialogue', exampleDialogue(persona.exampleDialogue, char, expand)],
    ['lore_after_examples', 'Lore (after the examples)', headed('Lore', lore('after_example'))],
  ];

  const countTokens = options.countTokens ?? tokenCounterFor();
  const sections: PromptSection[] = [];
  for (const [name, title, text] of drafts) {
    if (text) sections.push({ name, title, text, tokens: await countTokens(text) });
  }
  const text = sections.map((section) => section.text).join('\n\n');
  const defaultInstructions = expand(options.defaultPostHistoryInstructions);
  const instructions = persona.postHistoryInstructions?.trim()
    ? expand(persona.postHistoryInstructions, defaultInstructions)
    : defaultInstructions;
  return {
    text,
    tokens: await countTokens(text),
    sections,
    postHistoryInstructions: instructions
      ? {
          name: 'post_history_instructions',
          title: 'Post-history instructions',
          text: instructions,
          tokens: await countTokens(instructions),
        }
      : null,
  };
}

type Expand = (text: string | undefined) => string;

function identityParagraph(persona: AvatarPersona, char: string): string {
  const name = persona.name.trim() || char;
  const known = persona.nickname?.trim() && persona.nickname.trim() !== name ? `, known as ${char}` : '';
  return (
    `You are ${name}${known}. Speak as ${char} in the first person, stay in character, ` +
    'and keep your replies consistent with everything described here.'
  );
}

function headed(heading: string, body: string): string {
  return body ? `## ${heading}\n${body}` : '';
}

function traitsSentence(traits: string[], expand: Expand): string {
  const cleaned = [...new Set(traits.map((trait) => expand(trait).replace(/\s+/g, ' ')).filter(Boolean))];
  return cleaned.length ? `Your defining traits: ${cleaned.join(', ')}.` : '';
}

function styleList(persona: AvatarPersona, expand: Expand): string {
  const custom = (persona.customSliders ?? []).map((slider) => ({
    ...slider,
    low: expand(slider.low),
    high: expand(slider.high),
  }));
  return styleInstructions(persona.style, custom)
    .map((instruction) => `- ${instruction.text}`)
    .join('\n');
}

function userParagraph(user: UserIdentity, expand: Expand): string {
  const name = user.name.trim();
  const preferred = user.preferredName?.trim();
  const lines: string[] = [];
  if (name && preferred && preferred !== name) {
    lines.push(
      `You are talking with ${name}. They prefer to be called ${preferred}, so address them as ${preferred}.`,
    );
  } else if (name || preferred) {
    lines.push(`You are talking with ${preferred || name}. Address them as ${userDisplayName(user)}.`);
  }
  const about = expand(user.description);
  if (about) lines.push(`What they have shared about themselves: ${about}`);
  return lines.join('\n');
}

/** Card `mes_example` blocks are separated by `<START>`; each becomes one `<example>`. */
function exampleDialogue(raw: string | undefined, char: string, expand: Expand): string {
  const blocks = (raw ?? '')
    .split(/<START>/i)
    .map((block) => expand(block))
    .filter(Boolean);
  if (blocks.length === 0) return '';
  const examples = blocks.map((block) => `<example>\n${block}\n</example>`).join('\n');
  return `## Example dialogue\nThese examples show how ${char} talks. They are not part of the conversation.\n${examples}`;
}
