import type { Database } from '../db/database.js';
import type { ConversationRow } from '../db/schema/index.js';
import type { Participant } from '../domain/participant.js';
import { AppError, conflict, notFound } from '../errors.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createParticipantRepository } from '../repositories/participant.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';

/**
 * Who takes part in a conversation (domain/participant.ts). Only the conversation's owner sees
 * or changes them: another user's conversation is not found. Avatars join and leave through
 * the API; people (participants and viewers) exist at the data level until group chats come.
 */
export function createParticipantService(deps: { db: Database }) {
  const participants = createParticipantRepository(deps.db);
  const conversations = createConversationRepository(deps.db);
  const avatars = createAvatarRepository(deps.db);
  const users = createUserRepository(deps.db);

  async function owned(userId: string, conversationId: string): Promise<ConversationRow> {
    const conversation = await conversations.findOwned(userId, conversationId);
    if (!conversation) throw notFound('conversation');
    return conversation;
  }

  async function shown(conversationId: string, participantId: string): Promise<Participant> {
    const found = (await participants.listFor([conversationId])).find((p) => p.id === participantId);
    if (!found) throw notFound('participant');
    return found;
  }

  return {
    async list(userId: string, conversationId: string): Promise<Participant[]> {
      await owned(userId, conversationId);
      return participants.listFor([conversationId]);
    },

    /** Adds one of the user's own avatars (shared avatars of others cannot be brought in). */
    async addAvatar(userId: string, conversationId: string, avatarId: string): Promise<Participant> {
      const conversation = await owned(userId, conversationId);
      if (!(await avatars.findOwned(userId, avatarId))) throw notFound('avatar');
      const added = await participants.addAvatar(conversation.id, avatarId);
      if (!added) throw conflict('participant_exists', 'This avatar already takes part in the conversation');
      return shown(conversation.id, added.id);
    },

    /** Adds a person as a participant (may write) or a viewer (may read). */
    async addPerson(
      userId: string,
      conversationId: string,
      personId: string,
      role: 'participant' | 'viewer',
    ): Promise<Participant> {
      const conversation = await owned(userId, conversationId);
      if (!(await users.findById(personId))) throw notFound('user');
      const added = await participants.addUser(conversation.id, personId, role);
      if (!added) throw conflict('participant_exists', 'This person already takes part in the conversation');
      return shown(conversation.id, added.id);
    },

    /**
     * Removes an avatar or a person. The conversation's own avatar (the one that answers by
     * default) and its owner stay: without them it would have nobody to answer or to own it.
     */
    async remove(userId: string, conversationId: string, participantId: string): Promise<void> {
      const conversation = await owned(userId, conversationId);
      const participant = await participants.find(conversation.id, participantId);
      if (!participant) throw notFound('participant');
      if (participant.avatarId === conversation.avatarId) {
        throw new AppError(
          409,
          'cannot_remove_primary_avatar',
          'The conversation’s own avatar cannot leave it; start a new conversation with another avatar instead',
        );
      }
      if (participant.role === 'owner') {
        throw new AppError(409, 'cannot_remove_owner', 'The owner of a conversation cannot leave it');
      }
      await participants.remove(conversation.id, participant.id);
    },
  };
}

export type ParticipantService = ReturnType<typeof createParticipantService>;
