import { z } from 'zod';
import { AppError } from '../errors.js';
import type { ModelService } from './model.service.js';

const slider = z.number().int().min(0).max(100);

/** What a model suggests for a personality; also the JSON Schema the model must fill. */
export const avatarSuggestionSchema = z.object({
  traits: z.array(z.string().min(1).max(40)).min(3).max(8),
  style: z.object({
    formality: slider,
    verbosity: slider,
    warmth: slider,
    humor: slider,
    directness: slider,
    curiosity: slider,
  }),
  greeting: z.string().min(1).max(600),
});

export type AvatarSuggestion = z.infer<typeof avatarSuggestionSchema>;

const INSTRUCTIONS = `You design personalities for an AI companion app. From the character's name and backstory, suggest:
- traits: 3 to 8 short personality traits (one or two words each);
- style: how the character communicates, each 0-100 — formality (0 casual, 100 formal), verbosity (0 terse, 100 elaborate), warmth (0 cool, 100 warm), humor (0 serious, 100 playful), directness (0 diplomatic, 100 blunt), curiosity (0 incurious, 100 inquisitive);
- greeting: the character's first message to the user, in the character's own voice, 1-3 sentences; write {{user}} where the user's name goes.
Answer only with the JSON object.`;

/**
 * A model's answer that came back but does not fit the suggestion schema: 502, `model_bad_output`
 * (the adapters throw the same code for an answer that is not JSON or breaks the JSON Schema).
 */
function modelBadOutput(modelId: string, error: z.ZodError) {
  return new AppError(502, 'model_bad_output', "The model's answer did not have the expected shape", {
    modelId,
    issues: error.issues
      .slice(0, 5)
      .map((issue) => ({ path: `/${issue.path.join('/')}`, message: issue.message })),
  });
}

/** Suggests traits, style sliders and a greeting from a backstory, with the user's own model. */
export function createAvatarSuggestionService(deps: { models: ModelService }) {
  return {
    async suggest(
      userId: string,
      input: { name?: string | undefined; backstory: string; model?: string | undefined },
      signal?: AbortSignal,
    ) {
      const { object, modelId } = await deps.models.generateObject<unknown>(userId, {
        messages: [
          { role: 'system', content: INSTRUCTIONS },
          {
            role: 'user',
            content: `Name: ${input.name?.trim() || '(not chosen yet)'}\n\nBackstory:\n${input.backstory.trim()}`,
          },
        ],
        schema: z.toJSONSchema(avatarSuggestionSchema, { target: 'draft-7' }) as never,
        schemaName: 'avatar_suggestion',
        purpose: 'avatar-suggestion',
        ...(input.model ? { model: input.model } : {}),
        ...(signal ? { signal } : {}),
      });
      // The adapters validate against the JSON Schema; zod applies the same rules and gives the
      // type. Should an adapter let a wrong answer through, that is still the model's answer
      // failing, not our server: a 502 that says so, never a ZodError's 500.
      const checked = avatarSuggestionSchema.safeParse(object);
      if (!checked.success) throw modelBadOutput(modelId, checked.error);
      return { suggestion: checked.data, modelId };
    },
  };
}

export type AvatarSuggestionService = ReturnType<typeof createAvatarSuggestionService>;
