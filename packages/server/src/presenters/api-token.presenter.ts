import { z } from 'zod';
import { type ApiToken, TOKEN_SCOPES } from '../domain/api-token.js';

export const apiTokenDto = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the token, to tell tokens apart'),
    scopes: z.array(z.enum(TOKEN_SCOPES)),
    expiresAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'ApiToken' });

export function toApiTokenDto(token: ApiToken): z.infer<typeof apiTokenDto> {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    scopes: token.scopes,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    createdAt: token.createdAt.toISOString(),
  };
}
