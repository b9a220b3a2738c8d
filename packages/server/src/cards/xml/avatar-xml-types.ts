import { z } from 'zod';

/** The one namespace of version 1 of the format; the root element must be in it. */
export const AVATAR_XML_NAMESPACE = 'https://lumina.dev/schema/avatar/1';

/** Sliders every avatar understands; any other lowercase name is a custom slider. */
export const BUILT_IN_SLIDERS = [
  'formality',
  'verbosity',
  'warmth',
  'humor',
  'directness',
  'curiosity',
] as const;
export const SLIDER_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;

/** Multipliers of the engine's normal speed and pitch, the same range the avatar API accepts. */
export const VOICE_MULTIPLIER_RANGE = { min: 0.25, max: 4 } as const;

export const MEMORY_SCOPES = ['private', 'shared'] as const;
export const VISIBILITIES = ['private', 'instance'] as const;
export const LOREBOOK_POSITIONS = ['before_char', 'after_char'] as const;

// Opaque data that other tools own (card extensions): kept as parsed JSON so nothing is lost.
const jsonObject = z.record(z.string(), z.unknown());
const multiplier = z.number().min(VOICE_MULTIPLIER_RANGE.min).max(VOICE_MULTIPLIER_RANGE.max);
const nonBlank = z.string().regex(/\S/, 'must not be empty');

export const styleSliderSchema = z.object({
  name: z.string().regex(SLIDER_NAME_PATTERN),
  value: z.number().int().min(0).max(100),
  low: z.string().optional(),
  high: z.string().optional(),
});

export const avatarVoiceSchema = z.object({
  engine: nonBlank.optional(),
  voice: nonBlank.optional(),
  rate: multiplier.optional(),
  pitch: multiplier.optional(),
});

export const avatarModelChoiceSchema = z.object({
  default: nonBlank.optional(),
  /** Tried in order when the default fails; written as one space-separated attribute. */
  fallback: z.array(z.string().regex(/^\S+$/, 'must not contain spaces')).default([]),
});

export const avatarMemorySchema = z.object({
  enabled: z.boolean().default(true),
  scope: z.enum(MEMORY_SCOPES).default('private'),
});

export const lorebookEntrySchema = z.object({
  id: z.number().int().nonnegative().optional(),
  name: z.string().optional(),
  comment: z.string().optional(),
  keys: z.array(z.string()).default([]),
  secondaryKeys: z.array(z.string()).default([]),
  content: z.string(),
  enabled: z.boolean().default(true),
  constant: z.boolean().default(false),
  selective: z.boolean().default(false),
  insertionOrder: z.number().int().default(100),
  position: z.enum(LOREBOOK_POSITIONS).default('before_char'),
  caseSensitive: z.boolean().optional(),
  priority: z.number().int().optional(),
  extensions: jsonObject.default({}),
});

export const lorebookSchema = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  scanDepth: z.number().int().nonnegative().optional(),
  tokenBudget: z.number().int().nonnegative().optional(),
  recursiveScanning: z.boolean().optional(),
  entries: z.array(lorebookEntrySchema).default([]),
  extensions: jsonObject.default({}),
});

/**
 * An avatar as the Lumina XML format carries it: one property per element, lists as arrays.
 * Parsing always yields the output shape (defaults filled in), so `parse(write(a))` equals
 * `avatarXmlSchema.parse(a)`.
 */
export const avatarXmlSchema = z
  .object({
    version: z.literal(1).default(1),
    name: nonBlank,
    nickname: z.string().optional(),
    description: z.string().optional(),
    persona: z.string().optional(),
    traits: z.array(z.string()).default([]),
    style: z.array(styleSliderSchema).default([]),
    backstory: z.string().optional(),
    scenario: z.string().optional(),
    greeting: z.string().optional(),
    alternateGreetings: z.array(z.string()).default([]),
    exampleDialogue: z.string().optional(),
    tags: z.array(z.string()).default([]),
    voice: avatarVoiceSchema.optional(),
    model: avatarModelChoiceSchema.optional(),
    memory: avatarMemorySchema.optional(),
    visibility: z.enum(VISIBILITIES).optional(),
    creator: z.string().optional(),
    characterVersion: z.string().optional(),
    creatorNotes: z.string().optional(),
    systemPrompt: z.string().optional(),
    postHistoryInstructions: z.string().optional(),
    lorebook: lorebookSchema.optional(),
    extensions: jsonObject.default({}),
  })
  .superRefine((avatar, ctx) => {
    const seen = new Set<string>();
    for (const [index, slider] of avatar.style.entries()) {
      if (seen.has(slider.name)) {
        ctx.addIssue({ code: 'custom', path: ['style', index, 'name'], message: 'duplicate slider name' });
      }
      seen.add(slider.name);
    }
  });

export type AvatarXml = z.output<typeof avatarXmlSchema>;
export type AvatarXmlInput = z.input<typeof avatarXmlSchema>;
export type StyleSlider = z.output<typeof styleSliderSchema>;
export type LorebookEntry = z.output<typeof lorebookEntrySchema>;
