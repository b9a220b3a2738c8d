import type { Avatar } from '../domain/avatar.js';
import type { AvatarPersona } from '../prompt/avatar-persona.js';

/** The compiler's view of an avatar row, including the kept card prompts (system prompt, post-history). */
export function toAvatarPersona(avatar: Avatar): AvatarPersona {
  const kept = ((avatar.cardExtras as { card?: { data?: Record<string, unknown> } }).card?.data ??
    {}) as Record<string, unknown>;
  const text = (key: string) =>
    typeof kept[key] === 'string' && kept[key] ? (kept[key] as string) : undefined;
  const { custom, ...sliders } = avatar.style;
  const systemPrompt = text('system_prompt');
  const postHistoryInstructions = text('post_history_instructions');
  // The blurb an import made from the card's creator notes (written for people, not the model) or
  // from its definition (already in the persona) stays out of the prompt until someone edits it.
  const importedDescription = (avatar.cardExtras as { importedDescription?: unknown }).importedDescription;
  return {
    name: avatar.name,
    ...(avatar.nickname ? { nickname: avatar.nickname } : {}),
    description: avatar.description === importedDescription ? '' : avatar.description,
    persona: avatar.persona,
    traits: avatar.traits,
    style: sliders,
    customSliders: custom,
    backstory: avatar.backstory,
    scenario: avatar.scenario,
    greeting: avatar.greeting,
    alternateGreetings: avatar.alternateGreetings,
    exampleDialogue: avatar.exampleDialogue,
    ...(systemPrompt ? { systemPrompt } : {}),
    ...(postHistoryInstructions ? { postHistoryInstructions } : {}),
  };
}
