import { z } from 'zod';
import { MESSAGE_ROLES } from '../domain/message-parts.js';
import type { ContextPreview } from '../services/conversation-context.service.js';

const role = z.enum(MESSAGE_ROLES);

const contextMessageDto = z
  .object({
    role,
    content: z.string(),
    toolCalls: z
      .array(z.object({ toolCallId: z.string(), toolName: z.string(), input: z.unknown() }))
      .optional()
      .describe('For `assistant`: the tool calls it made'),
    toolCallId: z.string().optional().describe('For `tool`: the call this result answers'),
    toolName: z.string().optional().describe('For `tool`: the tool that answered'),
    isError: z.boolean().optional().describe('For `tool`: the tool failed and `content` says why'),
    images: z
      .array(z.object({ mediaType: z.string(), sizeBytes: z.number().int() }))
      .optional()
      .describe('For `user`: the pictures sent with it (attached documents are in `content`)'),
  })
  .meta({ id: 'ContextMessage' });

const contextPartDto = z
  .object({
    kind: z.enum(['system', 'lore', 'authors_note', 'memory', 'summary', 'message', 'post_history']),
    title: z.string(),
    role,
    text: z.string().describe('Exactly what is sent: the text, then each tool call as `name(input)`'),
    tokens: z
      .number()
      .int()
      .describe(
        'Tokens of `text`, and of the pictures sent with it at a fixed estimate each (message framing is in the total)',
      ),
    images: z.number().int().optional().describe('For `message` parts: the pictures sent with it'),
    messageId: z.uuid().optional().describe('For `message` parts: the stored message'),
    messageIndex: z
      .number()
      .int()
      .describe('Index in `messages`; system, memory and summary parts share the first message'),
  })
  .meta({ id: 'ContextPart' });

export const conversationContextDto = z
  .object({
    conversationId: z.uuid(),
    model: z
      .object({
        id: z.string(),
        provider: z.string(),
        name: z.string(),
        contextWindow: z.number().int().nullable().describe('As the model reports it; null = unknown'),
        local: z.boolean(),
      })
      .nullable()
      .describe('The first model of the chain; null when none could be resolved (see `modelError`)'),
    modelError: z.object({ code: z.string(), message: z.string() }).nullable(),
    messages: z
      .array(contextMessageDto)
      .describe('Exactly what the model is sent for the next reply on the visible branch'),
    parts: z.array(contextPartDto),
    tokens: z.object({
      total: z.number().int().describe('Everything sent, message framing included'),
      window: z.number().int(),
      windowSource: z.enum(['model', 'default']),
      replyBudget: z.number().int(),
      available: z.number().int().describe('The window minus the reply budget'),
      overBudget: z.boolean().describe('The system prompt and the newest message alone exceed `available`'),
    }),
    summary: z
      .object({
        throughMessageId: z.uuid(),
        tokens: z.number().int(),
        coveredMessages: z.number().int(),
      })
      .nullable()
      .describe('The running summary standing in for older messages, when one is used'),
    dropped: z.object({
      count: z.number().int(),
      messageIds: z.array(z.uuid()).describe('Messages that did not fit and no summary covers, oldest first'),
    }),
    memories: z.object({ given: z.number().int(), included: z.number().int() }),
    lore: z.object({
      activated: z.number().int(),
      tokens: z.number().int(),
      entries: z.array(
        z.object({
          label: z.string(),
          position: z.string(),
          depth: z.number().int().nullable(),
          tokens: z.number().int(),
          explanation: z.string().describe('Why it activated; "message 0" is the oldest message scanned'),
          messageId: z.uuid().nullable().describe('The message whose text activated it'),
        }),
      ),
      dropped: z.array(
        z.object({ label: z.string(), cause: z.enum(['budget', 'probability']), explanation: z.string() }),
      ),
      warnings: z.array(z.string()),
      budgetExhausted: z.boolean(),
    }),
    needsSummary: z
      .boolean()
      .describe('The window is nearly full: older turns are summarized after the next reply'),
    summarizing: z.boolean().describe('A summary of this conversation is being written right now'),
  })
  .meta({ id: 'ConversationContext' });

export type ConversationContextDto = z.infer<typeof conversationContextDto>;

export function toConversationContextDto(preview: ContextPreview): ConversationContextDto {
  const { assembled } = preview;
  const model = assembled.model;
  return {
    conversationId: preview.conversation.id,
    model: model
      ? {
          id: model.id,
          provider: model.provider,
          name: model.name,
          contextWindow: model.contextWindow,
          local: model.local,
        }
      : null,
    modelError: preview.modelError,
    messages: assembled.messages.map((message) => ({
      role: message.role,
      content: message.content,
      ...(message.toolCalls ? { toolCalls: message.toolCalls } : {}),
      ...(message.toolCallId ? { toolCallId: message.toolCallId } : {}),
      ...(message.toolName ? { toolName: message.toolName } : {}),
      ...(message.isError ? { isError: true } : {}),
      ...(message.images
        ? {
            images: message.images.map((image) => ({
              mediaType: image.mediaType,
              sizeBytes: image.data.length,
            })),
          }
        : {}),
    })),
    parts: assembled.parts,
    tokens: assembled.tokens,
    summary: assembled.summary,
    dropped: { count: assembled.dropped.messageIds.length, messageIds: assembled.dropped.messageIds },
    memories: assembled.memories,
    lore: assembled.lore,
    needsSummary: assembled.needsSummary,
    summarizing: preview.summarizing,
  };
}
