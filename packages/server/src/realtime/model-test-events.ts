import { z } from 'zod';
import { PROVIDER_ERROR_CODES } from '../domain/error-codes.js';
import { type StreamPartType, streamPartSchema } from './stream-parts.js';

/**
 * The stream of `POST /api/models/test` (Settings → Models → "Try it"): one prompt to a model or
 * the user's fallback chain. Registered in the OpenAPI document as `ModelTestEvent`, so the SDK
 * and the web app use the generated type (ARCHITECTURE.md, style rule 10).
 *
 * What a reply stream also carries is the very same schema as there (`model`, `text-delta`,
 * `error`, `usage` with its cost, `finish` with its timings), taken from the one stream contract
 * rather than written again; only what a test shows and a reply does not is its own: the
 * fallback progress (`attempt`, `failed`, `skipped`) and where the token counts came from
 * (`usage-source`). There is no `reasoning-delta` (nor `tool-call`: no tools are offered) because
 * the model stream this route reads (providers/types.ts `ChatStreamPart`) carries none; the
 * presenter's exhaustive switch stops compiling the day it does.
 */

type Member = (typeof streamPartSchema.options)[number];
type MemberOf<T extends StreamPartType> = Extract<Member, { shape: { type: z.ZodLiteral<T> } }>;

/** The stream contract's own schema for one part type (the same object, not a copy). */
function streamPartMember<T extends StreamPartType>(type: T): MemberOf<T> {
  const member = streamPartSchema.options.find((option) => option.shape.type.value === type);
  if (!member) throw new Error(`the stream contract has no "${type}" part`);
  return member as MemberOf<T>;
}

export const modelTestEventSchema = z
  .discriminatedUnion('type', [
    /** The chain asks this model (again, when `attempt` > 1). */
    z.object({ type: z.literal('attempt'), modelId: z.string(), attempt: z.int().positive() }),
    /** The model failed before its first token; `willRetry` false means the chain moves on. */
    z.object({
      type: z.literal('failed'),
      modelId: z.string(),
      code: z.enum(PROVIDER_ERROR_CODES),
      message: z.string(),
      willRetry: z.boolean(),
    }),
    /** The model's provider failed several times just now (its circuit is open), so it was not asked. */
    z.object({ type: z.literal('skipped'), modelId: z.string(), reason: z.enum(['circuit_open']) }),
    /** This model answers: sent once, before its first text. */
    streamPartMember('model'),
    streamPartMember('text-delta'),
    streamPartMember('error'),
    /** Whether `usage`'s token counts are the provider's (true) or counted by Lumina with a tokenizer (false). */
    z.object({ type: z.literal('usage-source'), reported: z.boolean() }),
    /** Tokens and cost as recorded in the user's usage; absent when no model answered. */
    streamPartMember('usage'),
    /** Always last: the status the call was recorded with, the model's finish reason and the timings. */
    streamPartMember('finish'),
  ])
  .meta({ id: 'ModelTestEvent' });

export type ModelTestEvent = z.infer<typeof modelTestEventSchema>;
