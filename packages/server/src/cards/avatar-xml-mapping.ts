import { type Avatar, type AvatarInput, NEUTRAL_STYLE } from '../domain/avatar.js';
import type { LorebookEntry as CardLorebookEntry, Lorebook } from './lorebook-types.js';
import type { AvatarXml, AvatarXmlInput } from './xml/avatar-xml-types.js';

const BUILT_IN = ['formality', 'verbosity', 'warmth', 'humor', 'directness', 'curiosity'] as const;

/** A parsed Lumina XML document as avatar fields. */
export function xmlToAvatar(xml: AvatarXml): AvatarInput {
  const style = { ...NEUTRAL_STYLE, custom: [] as Avatar['style']['custom'] };
  for (const slider of xml.style) {
    if ((BUILT_IN as readonly string[]).includes(slider.name))
      style[slider.name as (typeof BUILT_IN)[number]] = slider.value;
    else
      style.custom.push({
        name: slider.name,
        value: slider.value,
        low: slider.low ?? '',
        high: slider.high ?? '',
      });
  }
  const cardData: Record<string, unknown> = {
    ...(xml.creator ? { creator: xml.creator } : {}),
    ...(xml.characterVersion ? { character_version: xml.characterVersion } : {}),
    ...(xml.creatorNotes ? { creator_notes: xml.creatorNotes } : {}),
    ...(xml.systemPrompt ? { system_prompt: xml.systemPrompt } : {}),
    ...(xml.postHistoryInstructions ? { post_history_instructions: xml.postHistoryInstructions } : {}),
    extensions: xml.extensions,
  };
  return {
    name: xml.name,
    nickname: xml.nickname ?? null,
    description: xml.description ?? '',
    persona: xml.persona ?? '',
    traits: xml.traits,
    style,
    backstory: xml.backstory ?? '',
    scenario: xml.scenario ?? '',
    greeting: xml.greeting ?? '',
    alternateGreetings: xml.alternateGreetings,
    exampleDialogue: xml.exampleDialogue ?? '',
    tags: xml.tags,
    voice: {
      engine: xml.voice?.engine ?? null,
      voice: xml.voice?.voice ?? null,
      rate: xml.voice?.rate ?? 1,
      pitch: xml.voice?.pitch ?? 1,
    },
    defaultModel: xml.model?.default ?? null,
    fallbackModels: xml.model?.fallback ?? [],
    memory: { enabled: xml.memory?.enabled ?? true, scope: xml.memory?.scope ?? 'private' },
    visibility: xml.visibility ?? 'private',
    lorebook: xml.lorebook ? (xmlLorebookToCard(xml.lorebook) as unknown as Record<string, unknown>) : null,
    cardExtras: { sourceSpec: 'v3', card: { data: cardData } },
    source: 'import:xml',
  };
}

/** An avatar as a Lumina XML document (validated by the writer). */
export function avatarToXml(avatar: Avatar): AvatarXmlInput {
  const kept = ((avatar.cardExtras as { card?: { data?: Record<string, unknown> } }).card?.data ??
    {}) as Record<string, unknown>;
  const text = (key: string) =>
    typeof kept[key] === 'string' && kept[key] ? (kept[key] as string) : undefined;
  return {
    name: avatar.name,
    ...(avatar.nickname ? { nickname: avatar.nickname } : {}),
    description: avatar.description,
    persona: avatar.persona,
    traits: avatar.traits,
    style: [
      ...BUILT_IN.map((name) => ({ name, value: avatar.style[name] })),
      ...avatar.style.custom.map((s) => ({ name: s.name, value: s.value, low: s.low, high: s.high })),
    ],
    backstory: avatar.backstory,
    scenario: avatar.scenario,
    greeting: avatar.greeting,
    alternateGreetings: avatar.alternateGreetings,
    exampleDialogue: avatar.exampleDialogue,
    tags: avatar.tags,
    voice: {
      ...(avatar.voice.engine ? { engine: avatar.voice.engine } : {}),
      ...(avatar.voice.voice ? { voice: avatar.voice.voice } : {}),
      rate: avatar.voice.rate,
      pitch: avatar.voice.pitch,
    },
    model: {
      ...(avatar.defaultModel ? { default: avatar.defaultModel } : {}),
      fallback: avatar.fallbackModels,
    },
    memory: avatar.memory,
    visibility: avatar.visibility,
    ...(text('creator') ? { creator: text('creator') } : {}),
    ...(text('character_version') ? { characterVersion: text('character_version') } : {}),
    ...(text('creator_notes') ? { creatorNotes: text('creator_notes') } : {}),
    ...(text('system_prompt') ? { systemPrompt: text('system_prompt') } : {}),
    ...(text('post_history_instructions')
      ? { postHistoryInstructions: text('post_history_instructions') }
      : {}),
    ...(avatar.lorebook ? { lorebook: cardLorebookToXml(avatar.lorebook as unknown as Lorebook) } : {}),
    extensions: (kept.extensions as Record<string, unknown> | undefined) ?? {},
  };
}

function xmlLorebookToCard(book: NonNullable<AvatarXml['lorebook']>): Lorebook {
  return {
    ...(book.name ? { name: book.name } : {}),
    ...(book.description ? { description: book.description } : {}),
    scanDepth: book.scanDepth ?? null,
    tokenBudget: book.tokenBudget ?? null,
    recursiveScanning: book.recursiveScanning ?? null,
    extensions: book.extensions,
    extra: {},
    entries: book.entries.map(
      (entry, index): CardLorebookEntry => ({
        id: entry.id ?? index,
        ...(entry.name ? { name: entry.name } : {}),
        comment: entry.comment ?? '',
        keys: entry.keys.map((text) => ({ text })),
        secondaryKeys: entry.secondaryKeys.map((text) => ({ text })),
        content: entry.content,
        enabled: entry.enabled,
        constant: entry.constant,
        selective: entry.selective,
        selectiveLogic: 'and_any',
        useRegex: false,
        caseSensitive: entry.caseSensitive ?? null,
        matchWholeWords: null,
        insertionOrder: entry.insertionOrder,
        ...(entry.priority !== undefined ? { priority: entry.priority } : {}),
        position: entry.position as CardLorebookEntry['position'],
        depth: 4,
        scanDepth: null,
        probability: null,
        useProbability: false,
        group: '',
        excludeRecursion: false,
        preventRecursion: false,
        delayUntilRecursion: false,
        extensions: entry.extensions,
        extra: {},
      }),
    ),
  };
}

function cardLorebookToXml(book: Lorebook): NonNullable<AvatarXmlInput['lorebook']> {
  return {
    ...(book.name ? { name: book.name } : {}),
    ...(book.description ? { description: book.description } : {}),
    ...(book.scanDepth !== null ? { scanDepth: book.scanDepth } : {}),
    ...(book.tokenBudget !== null ? { tokenBudget: book.tokenBudget } : {}),
    ...(book.recursiveScanning !== null ? { recursiveScanning: book.recursiveScanning } : {}),
    entries: book.entries.map((entry) => ({
      ...(typeof entry.id === 'number' ? { id: entry.id } : {}),
      ...(entry.name ? { name: entry.name } : {}),
      ...(entry.comment ? { comment: entry.comment } : {}),
      keys: entry.keys.map((k) => k.text),
      secondaryKeys: entry.secondaryKeys.map((k) => k.text),
      content: entry.content,
      enabled: entry.enabled,
      constant: entry.constant,
      selective: entry.selective,
      insertionOrder: entry.insertionOrder,
      // The XML format knows the two V2 positions; the others travel in the entry's extensions.
      position: entry.position === 'after_char' ? ('after_char' as const) : ('before_char' as const),
      extensions:
        entry.position === 'after_char' || entry.position === 'before_char'
          ? entry.extensions
          : { ...entry.extensions, lumina_position: entry.position },
      ...(entry.caseSensitive !== null ? { caseSensitive: entry.caseSensitive } : {}),
      ...(entry.priority !== undefined ? { priority: entry.priority } : {}),
    })),
    extensions: book.extensions,
  };
}
