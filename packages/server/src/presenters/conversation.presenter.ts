import { z } from 'zod';
import type { Conversation } from '../domain/conversation.js';
import { conversationPromptSchema, readConversationPrompt } from '../domain/conversation-prompt.js';
import { generationSettingsSchema, readGenerationSettings } from '../domain/generation-settings.js';
import type { Message } from '../domain/message.js';
import { MESSAGE_ROLES, MESSAGE_STATUSES, messagePartSchema } from '../domain/message-parts.js';
import { PARTICIPANT_KINDS, PARTICIPANT_ROLES, type Participant } from '../domain/participant.js';
import { speakerOf } from '../domain/speaker.js';
import { speakerSchema } from '../realtime/stream-parts.js';
import { avatarImageUrl } from './avatar.presenter.js';

export const participantDto = z
  .object({
    id: z.uuid(),
    kind: z.enum(PARTICIPANT_KINDS),
    role: z.enum(PARTICIPANT_ROLES).describe('Avatars are always `participant`'),
    avatarId: z.uuid().nullable(),
    userId: z.uuid().nullable(),
    name: z.string().describe('The avatar’s name, or the person’s display name'),
    imageUrl: z.string().nullable().describe('The avatar’s picture (as on `Avatar`); null for people'),
    primary: z.boolean().describe('The conversation’s own avatar (answers by default, cannot be removed)'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Participant' });

export const conversationDto = z
  .object({
    id: z.uuid(),
    avatarId: z.uuid(),
    title: z.string(),
    titleSource: z.enum(['auto', 'user']),
    tags: z.array(z.string()),
    pinned: z.boolean(),
    archived: z.boolean(),
    incognito: z
      .boolean()
      .describe(
        'Not saved, not remembered: nothing extracted or recalled, in no list, search or export, deleted when the session ends (docs/memory.md)',
      ),
    activeLeafId: z.uuid().nullable(),
    model: z
      .string()
      .nullable()
      .describe('`provider/model` for this conversation; null = avatar or user default'),
    prompt: conversationPromptSchema.describe(
      'Its own system prompt (replaces the avatar’s main prompt; `{{original}}` inserts it) and author’s note',
    ),
    generation: generationSettingsSchema.describe(
      'Sampling settings that override the avatar’s here, field by field (docs/conversations.md)',
    ),
    messageCount: z.number().int(),
    participants: z.array(participantDto).describe('Its owner first, then avatars and people as they joined'),
    lastMessageAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Conversation' });

export const messageDto = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    parentId: z.uuid().nullable(),
    role: z.enum(MESSAGE_ROLES),
    content: z.string().describe('The text of the `text` parts, joined (what search and previews read)'),
    parts: z
      .array(messagePartSchema)
      .describe('The message in order: text, reasoning, tool calls and results, files'),
    status: z.enum(MESSAGE_STATUSES),
    turnId: z
      .uuid()
      .nullable()
      .describe('The user message (or greeting) that opened the turn this message belongs to'),
    speaker: speakerSchema.nullable().describe('Who wrote it: an avatar or a person; null for system text'),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    model: z.string().nullable(),
    finishReason: z.string().nullable(),
    usage: z
      .object({
        inputTokens: z.number().int().nullable(),
        outputTokens: z.number().int().nullable(),
        costUsd: z.number().nullable(),
      })
      .nullable(),
    timings: z
      .object({ timeToFirstTokenMs: z.number().int().nullable(), durationMs: z.number().int().nullable() })
      .nullable(),
    /** Ids of this message and its siblings, oldest first (for `< 2/3 >`); only in the branch view. */
    siblingIds: z.array(z.uuid()).optional(),
    /** True when a running summary covers the branch through this message. */
    hasSummary: z.boolean(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Message' });

export type ParticipantDto = z.infer<typeof participantDto>;
export type ConversationDto = z.infer<typeof conversationDto>;
export type MessageDto = z.infer<typeof messageDto>;

export function toParticipantDto(participant: Participant): ParticipantDto {
  return {
    id: participant.id,
    kind: participant.kind,
    role: participant.role,
    avatarId: participant.avatarId,
    userId: participant.userId,
    name: participant.name,
    imageUrl:
      participant.avatarId && participant.pictureVersion !== null
        ? avatarImageUrl(participant.avatarId, participant.pictureVersion)
        : null,
    primary: participant.primary,
    createdAt: participant.createdAt.toISOString(),
  };
}

export function toConversationDto(row: Conversation & { participants: Participant[] }): ConversationDto {
  return {
    id: row.id,
    avatarId: row.avatarId,
    title: row.title,
    titleSource: row.titleSource,
    tags: row.tags,
    pinned: row.pinned,
    archived: row.archived,
    incognito: row.incognito,
    activeLeafId: row.activeLeafId,
    model: row.model,
    prompt: readConversationPrompt(row.prompt),
    generation: readGenerationSettings(row.generation),
    messageCount: row.messageCount,
    participants: row.participants.map(toParticipantDto),
    lastMessageAt: row.lastMessageAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toMessageDto(row: Message, siblingIds?: string[]): MessageDto {
  const isReply = row.role === 'assistant';
  return {
    id: row.id,
    conversationId: row.conversationId,
    parentId: row.parentId,
    role: row.role,
    content: row.content,
    parts: row.parts,
    status: row.status,
    turnId: row.turnId,
    speaker: speakerOf(row),
    error: row.error ?? null,
    model: row.model,
    finishReason: row.finishReason,
    usage: isReply
      ? { inputTokens: row.inputTokens, outputTokens: row.outputTokens, costUsd: row.costUsd }
      : null,
    timings: isReply ? { timeToFirstTokenMs: row.timeToFirstTokenMs, durationMs: row.durationMs } : null,
    ...(siblingIds ? { siblingIds } : {}),
    hasSummary: row.summary !== null,
    metadata: row.metadata,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
