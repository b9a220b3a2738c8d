import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { conversationPromptChangeSchema } from '../domain/conversation-prompt.js';
import { generationSettingsSchema } from '../domain/generation-settings.js';
import {
  conversationDto,
  messageDto,
  toConversationDto,
  toMessageDto,
} from '../presenters/conversation.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { ConversationService } from '../services/conversation.service.js';
import type { ReplyService } from '../services/reply.service.js';
import { replyStreamResponse, streamStartedReply } from './reply-stream.js';
import { attachmentIds, errorResponses, idParams } from './schemas.js';

const tagList = z.array(z.string().trim().min(1).max(40)).max(20);
const modelId = z.string().min(3).max(300);

const STREAM_DESCRIPTION =
  'Answers `text/event-stream`: the stored user message (`message-start`), then the reply, one `StreamPart` per event — see docs/conversations.md.';

export const conversationRoutes =
  (deps: {
    conversations: ConversationService;
    replies: ReplyService;
    continueOnDisconnect: boolean;
  }): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['conversations'];
    const { conversations, replies } = deps;

    app.get(
      '/api/conversations',
      {
        schema: {
          tags,
          summary: 'Your conversations: pinned first, then by last activity',
          querystring: z.object({
            avatarId: z.uuid().optional(),
            tag: z.string().max(40).optional(),
            archived: z.stringbool().optional(),
            q: z.string().max(200).optional(),
            cursor: z.string().max(100).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: {
            200: z.object({ conversations: z.array(conversationDto), nextCursor: z.string().nullable() }),
            ...errorResponses(400, 401),
          },
        },
      },
      async (request) => {
        const { q, ...filter } = request.query;
        const page = await conversations.list(requireIdentity(request).user.id, { ...filter, search: q });
        return { conversations: page.rows.map(toConversationDto), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/conversations',
      {
        schema: {
          tags,
          summary: 'Start a conversation with an avatar (its greeting is the first message)',
          body: z.object({
            avatarId: z.uuid(),
            title: z.string().max(200).optional(),
            model: modelId.nullable().optional(),
            incognito: z
              .boolean()
              .optional()
              .describe(
                'Not saved, not remembered: nothing extracted or recalled, never listed, searched or exported, deleted at sign-out or after CHAT_INCOGNITO_IDLE_MINUTES idle. Cannot be changed later',
              ),
          }),
          response: {
            201: z.object({ conversation: conversationDto, messages: z.array(messageDto) }),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request, reply) => {
        const created = await conversations.create(requireIdentity(request).user.id, request.body);
        return reply.code(201).send({
          conversation: toConversationDto(created.conversation),
          messages: created.branch.map((b) => toMessageDto(b.message, b.siblingIds)),
        });
      },
    );

    app.get(
      '/api/conversations/:id',
      {
        schema: {
          tags,
          summary: 'One conversation',
          params: idParams,
          response: { 200: z.object({ conversation: conversationDto }), ...errorResponses(401, 404) },
        },
      },
      async (request) => ({
        conversation: toConversationDto(
          await conversations.show(requireIdentity(request).user.id, request.params.id),
        ),
      }),
    );

    app.patch(
      '/api/conversations/:id',
      {
        schema: {
          tags,
          summary:
            'Rename, tag, pin, archive, choose the model, set its system prompt, author’s note and generation settings, or switch the visible branch',
          description:
            '`activeLeafId` may be any message of the conversation: the server follows the newest reply below it to a leaf (what a `< 2/3 >` switch wants).',
          params: idParams,
          body: z.object({
            title: z.string().max(200).optional(),
            tags: tagList.optional(),
            pinned: z.boolean().optional(),
            archived: z.boolean().optional(),
            model: modelId.nullable().optional(),
            activeLeafId: z.uuid().optional(),
            prompt: conversationPromptChangeSchema
              .optional()
              .describe('Fields given replace the stored ones; null (or blank text) clears'),
            generation: generationSettingsSchema
              .optional()
              .describe('Sampling settings that override the avatar’s here, all at once ({} clears them)'),
            incognito: z
              .boolean()
              .optional()
              .describe(
                'Fixed at creation: only the current value is accepted (else 400 `incognito_permanent`)',
              ),
          }),
          response: { 200: z.object({ conversation: conversationDto }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => ({
        conversation: toConversationDto(
          await conversations.update(requireIdentity(request).user.id, request.params.id, request.body),
        ),
      }),
    );

    app.delete(
      '/api/conversations/:id',
      {
        schema: {
          tags,
          summary: 'Delete a conversation and all its messages',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        await conversations.delete(requireIdentity(request).user.id, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/conversations/:id/messages',
      {
        schema: {
          tags,
          summary: 'The visible branch (default, with sibling ids) or the whole tree',
          params: idParams,
          querystring: z.object({ view: z.enum(['branch', 'tree']).default('branch') }),
          response: {
            200: z.object({ conversation: conversationDto, messages: z.array(messageDto) }),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const conversation = await conversations.show(userId, request.params.id);
        const messages =
          request.query.view === 'tree'
            ? (await conversations.tree(userId, conversation)).map((m) => toMessageDto(m))
            : (await conversations.branch(userId, conversation)).map((b) =>
                toMessageDto(b.message, b.siblingIds),
              );
        return { conversation: toConversationDto(conversation), messages };
      },
    );

    app.post(
      '/api/conversations/:id/messages',
      {
        schema: {
          tags,
          summary: 'Send a message and stream the reply',
          description: STREAM_DESCRIPTION,
          params: idParams,
          body: z.object({
            content: z.string().describe('May be empty when the message has attachments'),
            parentId: z.uuid().optional(),
            attachments: attachmentIds
              .optional()
              .describe('Uploaded attachments (POST /api/attachments) sent with the text, in order'),
          }),
          response: { ...replyStreamResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const started = await replies.send(userId, request.params.id, request.body);
        await streamStartedReply(request, reply, replies, { ...started, userId }, deps.continueOnDisconnect);
      },
    );

    app.get(
      '/api/avatar-stats',
      {
        schema: {
          tags: ['avatars'],
          summary: 'Usage of each of your avatars: conversations, messages, last used',
          response: {
            200: z.object({
              stats: z.array(
                z.object({
                  avatarId: z.uuid(),
                  conversations: z.number().int(),
                  messages: z.number().int(),
                  lastUsedAt: z.iso.datetime().nullable(),
                }),
              ),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => ({
        stats: (await conversations.statsByAvatar(requireIdentity(request).user.id)).map((s) => ({
          ...s,
          lastUsedAt: s.lastUsedAt?.toISOString() ?? null,
        })),
      }),
    );

    app.post(
      '/api/conversations/:id/fork',
      {
        schema: {
          tags,
          summary: 'A new conversation holding the path from the first message to this one',
          params: idParams,
          body: z.object({ messageId: z.uuid() }),
          response: { 201: z.object({ conversation: conversationDto }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const fork = await conversations.fork(userId, request.params.id, request.body.messageId);
        return reply.code(201).send({ conversation: toConversationDto(fork) });
      },
    );
  };
