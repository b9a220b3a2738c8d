import type { Database } from '../db/database.js';
import { AppError, invalidRequest, notFound } from '../errors.js';
import { presentImpersonation } from '../presenters/impersonation-stream.presenter.js';
import type { ChatMessage } from '../providers/types.js';
import type { StreamPart } from '../realtime/stream-parts.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import type { ConversationContextService } from './conversation-context.service.js';
import type { ModelService } from './model.service.js';

/**
 * What the model is told after the conversation (SillyTavern's "impersonate" prompt, in our
 * words): write the person's next message, in their voice, and nothing else.
 */
export function impersonationInstruction(names: { user: string; char: string }): string {
  const { user, char } = names;
  return [
    `Write ${user}'s next message in this conversation, as ${user} would write it: in ${user}'s own voice, person and style, following on from the conversation so far.`,
    `Write only that one message of ${user}'s. Do not write anything ${char} says or does, do not start with a name label, and add no notes or commentary.`,
  ].join(' ');
}

/**
 * "Impersonate": the model writes the person's (their persona's) next message from the
 * conversation's context, streamed to them to edit and send. Nothing is stored; the call is
 * recorded in usage (purpose `impersonate`).
 */
export function createImpersonateService(deps: {
  db: Database;
  context: Pick<ConversationContextService, 'build'>;
  models: Pick<ModelService, 'stream'>;
}) {
  const messages = createMessageRepository(deps.db);

  return {
    /**
     * Checks and prepares everything first (404, 400, 409 and "no model" are plain HTTP errors),
     * then answers the stream to produce: `text-delta`…, `usage`, `finish` (`error` before
     * `finish` when the model failed). `parentId`: the message it follows (default: the visible
     * branch's last message).
     */
    async start(
      userId: string,
      conversationId: string,
      input: { parentId?: string | undefined },
    ): Promise<(signal: AbortSignal) => AsyncGenerator<StreamPart>> {
      const tree = await messages.conversationTree(userId, { conversationId });
      if (!tree) throw notFound('conversation');
      const { conversation } = tree;
      if (input.parentId && !tree.message(input.parentId)) {
        throw invalidRequest('parentId must be a message of this conversation');
      }
      const parentId = input.parentId ?? conversation.activeLeafId;
      const branch = parentId ? tree.branch(parentId) : [];
      if (branch.at(-1)?.status === 'streaming') {
        throw new AppError(409, 'message_streaming', 'A reply is still being written; wait until it ends');
      }
      const { assembled, chain, generation } = await deps.context.build(
        userId,
        conversation,
        branch,
        tree.speaker,
      );
      const sent: ChatMessage[] = [
        ...assembled.messages,
        { role: 'system', content: impersonationInstruction(assembled.speakers) },
      ];
      return (signal) =>
        presentImpersonation(
          deps.models.stream(userId, {
            messages: sent,
            chain,
            purpose: 'impersonate',
            maxOutputTokens: assembled.tokens.replyBudget,
            settings: generation,
            signal,
            avatarId: conversation.avatarId,
          }),
          assembled.speakers.user,
        );
    },
  };
}

export type ImpersonateService = ReturnType<typeof createImpersonateService>;
