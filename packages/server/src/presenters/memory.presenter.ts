import { z } from 'zod';
import { isCurrent, MEMORY_KINDS, MEMORY_ORIGINS, type MemoryItem } from '../domain/memory.js';

export const memoryDto = z
  .object({
    id: z.uuid(),
    avatarId: z
      .uuid()
      .nullable()
      .describe(
        'The one avatar it belongs to; null: shared with your avatars whose memory policy is `shared`',
      ),
    kind: z.enum(MEMORY_KINDS),
    content: z.string().describe('One self-contained sentence (at most 500 characters)'),
    importance: z.number().min(0).max(1).describe('How much it matters to you, 0–1'),
    confidence: z.number().min(0).max(1).describe('How sure the extraction was, 0–1 (1 for what you wrote)'),
    origin: z
      .enum(MEMORY_ORIGINS)
      .describe(
        '`extracted` from a conversation, `manual` (written here), `command` ("remember that …"), `imported`',
      ),
    sourceMessageIds: z
      .array(z.uuid())
      .describe('The messages it was taken from (empty when written by hand)'),
    sourceConversationId: z.uuid().nullable(),
    validFrom: z.iso.datetime().describe('When it started to hold'),
    validTo: z.iso
      .datetime()
      .nullable()
      .describe('When it stopped holding (superseded, invalidated); null while current'),
    supersededBy: z.uuid().nullable().describe('The memory that replaced it'),
    pinned: z.boolean().describe('Always in the prompt'),
    embeddingModel: z.string().nullable().describe('The model of its stored vector; null until embedded'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    lastRecalledAt: z.iso.datetime().nullable(),
    current: z.boolean().describe('Still holds (no `validTo`, or one in the future)'),
  })
  .meta({ id: 'Memory' });

export type MemoryDto = z.infer<typeof memoryDto>;

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

/** A memory as the API shows it: without the owner, dates as ISO strings, and whether it holds now. */
export function toMemoryDto(item: MemoryItem, now = new Date()): MemoryDto {
  return {
    id: item.id,
    avatarId: item.avatarId,
    kind: item.kind,
    content: item.content,
    importance: item.importance,
    confidence: item.confidence,
    origin: item.origin,
    sourceMessageIds: item.sourceMessageIds,
    sourceConversationId: item.sourceConversationId,
    validFrom: item.validFrom.toISOString(),
    validTo: iso(item.validTo),
    supersededBy: item.supersededBy,
    pinned: item.pinned,
    embeddingModel: item.embeddingModel,
    createdAt: item.createdAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
    lastRecalledAt: iso(item.lastRecalledAt),
    current: isCurrent(item, now),
  };
}
