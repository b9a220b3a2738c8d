/** Communication style sliders, 0–100; extra named sliders carry their own pole labels. */
export interface AvatarStyle {
  formality: number;
  verbosity: number;
  warmth: number;
  humor: number;
  directness: number;
  curiosity: number;
  custom: { name: string; value: number; low: string; high: string }[];
}

export interface AvatarVoice {
  engine: string | null;
  voice: string | null;
  rate: number;
  pitch: number;
}

export interface AvatarMemoryPolicy {
  enabled: boolean;
  /** `private`: this avatar's memories only; `shared`: memories shared with the user's other shared avatars. */
  scope: 'private' | 'shared';
}

export const AVATAR_VISIBILITIES = ['private', 'instance'] as const;
export type AvatarVisibility = (typeof AVATAR_VISIBILITIES)[number];

/** Every slider in the middle: the style of an avatar nobody tuned. */
export const NEUTRAL_STYLE: AvatarStyle = {
  formality: 50,
  verbosity: 50,
  warmth: 50,
  humor: 50,
  directness: 50,
  curiosity: 50,
  custom: [],
};

/**
 * An AI personality as the product sees it (the `avatars` row satisfies this structurally). Card
 * fields Lumina does not use are kept in `cardExtras` for lossless export.
 */
export interface Avatar {
  id: string;
  ownerId: string;
  name: string;
  nickname: string | null;
  description: string;
  persona: string;
  traits: string[];
  style: AvatarStyle;
  backstory: string;
  scenario: string;
  greeting: string;
  alternateGreetings: string[];
  exampleDialogue: string;
  tags: string[];
  voice: AvatarVoice;
  defaultModel: string | null;
  fallbackModels: string[];
  memory: AvatarMemoryPolicy;
  /** Sampling settings and a preset, as stored (read with `readAvatarGeneration`). */
  generation: Record<string, unknown>;
  visibility: AvatarVisibility;
  /** World Info entries (the internal lorebook shape of prompt/lorebook-engine.ts). */
  lorebook: Record<string, unknown> | null;
  cardExtras: Record<string, unknown>;
  /** Where it came from: `template:<id>`, `import:png`, `import:charx`, `manual` … */
  source: string;
  imageId: string | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields a user edits (and an import or template fills); the rest have defaults. */
export type AvatarInput = Pick<Avatar, 'name' | 'style' | 'voice' | 'memory'> &
  Partial<
    Omit<
      Avatar,
      | 'id'
      | 'ownerId'
      | 'createdAt'
      | 'updatedAt'
      | 'lastUsedAt'
      | 'imageId'
      | 'name'
      | 'style'
      | 'voice'
      | 'memory'
    >
  >;
