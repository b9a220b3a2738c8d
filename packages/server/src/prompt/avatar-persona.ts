/**
 * The built-in style sliders, in the order their instructions appear in the prompt.
 * Each runs 0–100; 50 (anything in 40–59) is neutral and adds nothing to the prompt.
 */
export const STYLE_SLIDER_NAMES = [
  'formality',
  'verbosity',
  'warmth',
  'humor',
  'directness',
  'curiosity',
] as const;

export type StyleSliderName = (typeof STYLE_SLIDER_NAMES)[number];

/** Built-in slider values, 0–100. A missing slider counts as neutral. */
export type StyleSliders = Partial<Record<StyleSliderName, number>>;

/**
 * A slider the avatar's creator defined, e.g. `{ name: 'Optimism', value: 85, low: 'pessimistic',
 * high: 'optimistic' }`. `low` and `high` are what 0 and 100 mean; adjectives read best, because
 * they are dropped into sentences such as "Be clearly optimistic rather than pessimistic."
 */
export interface CustomSlider {
  name: string;
  value: number;
  low: string;
  high: string;
}

/**
 * What the system prompt compiler needs to know about an avatar. Everything but `name` is
 * optional, so a one-line avatar and a fully imported Character Card both fit. Text fields may
 * use macros (`{{char}}`, `{{user}}`, `{{random:a,b}}` …), expanded when the prompt is compiled.
 */
export interface AvatarPersona {
  name: string;
  /** Card V3 `nickname`: when set, `{{char}}` becomes the nickname instead of the name. */
  nickname?: string;
  /** Who the avatar is: appearance, role, situation (card `description`). */
  description?: string;
  /** Free-text personality (card `personality`). */
  persona?: string;
  /** Short adjectives or phrases: "curious", "dry wit", "fiercely loyal". */
  traits?: string[];
  style?: StyleSliders;
  customSliders?: CustomSlider[];
  backstory?: string;
  /** The situation the conversation starts in (card `scenario`). */
  scenario?: string;
  /** First message (card `first_mes`); not part of the system prompt. */
  greeting?: string;
  alternateGreetings?: string[];
  /** Card `mes_example`: blocks separated by `<START>`, lines prefixed `{{user}}:` / `{{char}}:`. */
  exampleDialogue?: string;
  /** Card `system_prompt`: replaces the main prompt; `{{original}}` inserts the replaced text. */
  systemPrompt?: string;
  /** Card `post_history_instructions`: sent after the chat history, not in the system prompt. */
  postHistoryInstructions?: string;
  /** For people browsing or editing the avatar; never sent to the model. */
  creatorNotes?: string;
}

/** The person talking to the avatar. */
export interface UserIdentity {
  name: string;
  /** What they like to be called; `{{user}}` uses it when set. */
  preferredName?: string;
  /** A short description the user gave of themselves (SillyTavern's "persona"). */
  description?: string;
}

/**
 * The name `{{user}}` stands for: the preferred name when set, else the first word of the name
 * (what the profile page promises: "Leave empty to use your first name"). The web app fills
 * greetings by the same rule (packages/web/src/lib/greeting-macros.ts).
 * @example userDisplayName({ name: 'Samuel', preferredName: 'Sam' }) // 'Sam'
 * @example userDisplayName({ name: 'Grace Hopper' }) // 'Grace'
 */
export function userDisplayName(user: UserIdentity): string {
  return user.preferredName?.trim() || user.name.trim().split(/\s+/)[0] || 'User';
}

/**
 * The name `{{char}}` stands for: the nickname when set (Character Card V3), else the name.
 * The web app fills greetings by the same rule (packages/web/src/lib/greeting-macros.ts).
 * @example characterDisplayName({ name: 'Seraphina', nickname: 'Sera' }) // 'Sera'
 */
export function characterDisplayName(persona: AvatarPersona): string {
  return persona.nickname?.trim() || persona.name.trim() || 'Assistant';
}
