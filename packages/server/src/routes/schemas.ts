import { z } from 'zod';

/** The error body every endpoint returns on failure (see errors.ts). */
export const errorDto = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** Response schemas for the given error statuses, for the OpenAPI document and SDK types. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof errorDto> {
  return Object.fromEntries(statuses.map((s) => [s, errorDto])) as Record<S, typeof errorDto>;
}

export const idParams = z.object({ id: z.uuid({ message: 'must be an id (UUID)' }) });

/**
 * Attachment ids a message carries. Bounded here only to bound the request: the limit per
 * message (ATTACHMENT_LIMITS.maxPerMessage) is the service's, answered 422 `attachment_limit`.
 */
export const attachmentIds = z.array(z.uuid({ message: 'must be an attachment id (UUID)' })).max(100);

export const email = z.email({ message: 'must be an email address' }).max(254);
/** Long enough to reach the byte check (1,024) that answers 400 without hashing. */
export const password = z.string().min(1).max(4096);
export const displayName = z.string().trim().min(1, { message: 'must not be empty' }).max(100);
