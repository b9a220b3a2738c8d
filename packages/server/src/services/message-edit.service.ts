import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { MessageRow } from '../db/schema/index.js';
import { replaceTextOfParts } from '../domain/message-text-edit.js';
import { AppError, notFound } from '../errors.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import {
  createMessageTreeEditRepository,
  type TreeEditOutcome,
} from '../repositories/message-tree-edit.repository.js';
import type { ConversationService, ConversationView } from './conversation.service.js';

/** What `DELETE /api/messages/:id?scope=` takes away. */
export const DELETE_SCOPES = ['branch', 'message'] as const;
export type DeleteScope = (typeof DELETE_SCOPES)[number];

const stillWriting = (what: string) =>
  new AppError(409, 'message_streaming', `${what} is still being written; stop it or wait until it ends`);

function settled<T>(outcome: TreeEditOutcome<T>, what: string): T {
  if (outcome.status === 'not_found') throw notFound('message');
  if (outcome.status === 'streaming') throw stillWriting(what);
  return outcome.value;
}

/**
 * Changes to one stored message that make no model call: its text edited in place (a typo in a
 * reply fixed without a new alternative), or the message deleted alone or with everything below.
 */
export function createMessageEditService(deps: {
  db: Database;
  config: Pick<Config['chat'], 'maxMessageChars'>;
  conversations: Pick<ConversationService, 'show' | 'deleteBranch'>;
}) {
  const messages = createMessageRepository(deps.db);
  const tree = createMessageTreeEditRepository(deps.db);

  function checkContent(content: string): string {
    if (content.trim() === '') throw new AppError(400, 'message_empty', 'The message is empty');
    const { maxMessageChars } = deps.config;
    if (content.length > maxMessageChars) {
      throw new AppError(
        400,
        'message_too_long',
        `The message is longer than ${maxMessageChars.toLocaleString('en')} characters`,
        { maxChars: maxMessageChars },
      );
    }
    return content;
  }

  return {
    /**
     * Replaces the text of a settled message (any role) in place: its text parts take the new
     * text, its other parts (reasoning, tool calls and results, files) stay where they are.
     * 409 `message_streaming` while it is being written.
     */
    async editInPlace(userId: string, id: string, input: { content: string }): Promise<MessageRow> {
      const content = checkContent(input.content);
      const message = await messages.findOwned(userId, id);
      if (!message) throw notFound('message');
      if (message.status === 'streaming') throw stillWriting('This message');
      if (message.content === content) return message;
      return settled(
        await tree.replaceParts(userId, id, replaceTextOfParts(message.parts, content)),
        'This message',
      );
    },

    /**
     * `branch`: the message and everything below it. `message`: only this message (its replies
     * move up to its parent); 409 `message_streaming` while it, or a reply to it, is being written.
     * Answers the conversation as it is afterwards.
     */
    async delete(userId: string, id: string, scope: DeleteScope): Promise<ConversationView> {
      if (scope === 'branch') return deps.conversations.deleteBranch(userId, id);
      const { conversationId } = settled(await tree.deleteOne(userId, id), 'This message or a reply to it');
      return deps.conversations.show(userId, conversationId);
    },
  };
}

export type MessageEditService = ReturnType<typeof createMessageEditService>;
