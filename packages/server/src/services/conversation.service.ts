import { toAvatarPersona } from '../avatars/avatar-persona-mapping.js';
import type { Database } from '../db/database.js';
import type { ConversationRow, MessageRow, NewMessageRow } from '../db/schema/index.js';
import { type ConversationPrompt, readConversationPrompt } from '../domain/conversation-prompt.js';
import type { GenerationSettings } from '../domain/generation-settings.js';
import { type Participant, turnIdFor } from '../domain/participant.js';
import { AppError, invalidRequest, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { createPersonaMacroContext } from '../prompt/compile-system-prompt.js';
import { expandMacros } from '../prompt/macros.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import {
  type ConversationListFilter,
  createConversationRepository,
} from '../repositories/conversation.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createParticipantRepository } from '../repositories/participant.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { ACCOUNT_PERSONA, identityFor, type SettingsService } from './settings.service.js';

export interface ConversationChanges {
  title?: string | undefined;
  tags?: string[] | undefined;
  pinned?: boolean | undefined;
  archived?: boolean | undefined;
  model?: string | null | undefined;
  activeLeafId?: string | undefined;
  /** Fields given replace the stored ones (domain/conversation-prompt.ts). */
  prompt?: Partial<ConversationPrompt> | undefined;
  /** Replaces the conversation's generation settings override ({} clears it). */
  generation?: GenerationSettings | undefined;
  /** Only its current value is accepted: incognito is chosen when a conversation starts. */
  incognito?: boolean | undefined;
}

/** A conversation as the API shows it: the row and who takes part. */
export type ConversationView = ConversationRow & { participants: Participant[] };

/** A message on the visible branch, with the ids of its siblings (itself included). */
export interface BranchMessage {
  message: MessageRow;
  siblingIds: string[];
}

/**
 * Conversations and their message trees: create (with the avatar's greetings), list, rename,
 * tag, pin, archive, switch branch, fork, delete a branch, delete.
 */
export function createConversationService(deps: {
  db: Database;
  /** The user's personas: greetings use the default one, and a chosen one must exist. */
  settings?: Pick<SettingsService, 'get'>;
}) {
  const conversations = createConversationRepository(deps.db);
  const messages = createMessageRepository(deps.db);
  const avatars = createAvatarRepository(deps.db);
  const users = createUserRepository(deps.db);
  const participants = createParticipantRepository(deps.db);

  /** The rows with their participants, in one query for the whole page. */
  async function withParticipants(rows: ConversationRow[]): Promise<ConversationView[]> {
    const all = await participants.listFor(rows.map((row) => row.id));
    return rows.map((row) => ({ ...row, participants: all.filter((p) => p.conversationId === row.id) }));
  }
  const withParticipantsOf = async (row: ConversationRow) => (await withParticipants([row]))[0]!;

  async function get(userId: string, id: string): Promise<ConversationRow> {
    const conversation = await conversations.findOwned(userId, id);
    if (!conversation) throw notFound('conversation');
    return conversation;
  }

  async function getMessage(userId: string, id: string): Promise<MessageRow> {
    const message = await messages.findOwned(userId, id);
    if (!message) throw notFound('message');
    return message;
  }

  /** The visible branch, root first, each message with its siblings for `< 2/3 >`. */
  async function branch(userId: string, conversation: ConversationRow): Promise<BranchMessage[]> {
    if (!conversation.activeLeafId) return [];
    const { path, forks } = await messages.branchWithForks(userId, conversation.activeLeafId);
    return path.map((message) => ({
      message,
      siblingIds: forks.get(message.parentId) ?? [message.id],
    }));
  }

  /** The avatar's greeting and alternate greetings, macros filled in for this user, as root siblings. */
  async function greetings(
    userId: string,
    conversationId: string,
    avatarId: string,
  ): Promise<NewMessageRow[]> {
    const [avatar, user, settings] = await Promise.all([
      avatars.findVisible(userId, avatarId),
      users.findById(userId),
      deps.settings?.get(userId),
    ]);
    if (!avatar || !user) return [];
    const account = { name: user.name, ...(user.preferredName ? { preferredName: user.preferredName } : {}) };
    // A new conversation has chosen no persona yet: the default one speaks.
    const context = createPersonaMacroContext(
      toAvatarPersona(avatar),
      settings ? identityFor(account, settings) : account,
    );
    return (
      [avatar.greeting, ...avatar.alternateGreetings]
        .filter((text) => text.trim() !== '')
        .map((text, index) => ({
          id: newId(),
          conversationId,
          ownerId: userId,
          parentId: null,
          role: 'assistant' as const,
          content: expandMacros(text, context),
          speakerAvatarId: avatarId,
          metadata: { greeting: index },
        }))
        // A greeting has no parent: it opens its own turn.
        .map((row) => ({ ...row, turnId: turnIdFor(row, null) }))
    );
  }

  return {
    get,
    getMessage,
    branch,

    /** One conversation with its participants (what the API shows). */
    show: async (userId: string, id: string): Promise<ConversationView> =>
      withParticipantsOf(await get(userId, id)),

    async list(
      userId: string,
      filter: ConversationListFilter,
    ): Promise<{ rows: ConversationView[]; nextCursor: string | null }> {
      const page = await conversations.list(userId, filter);
      return { rows: await withParticipants(page.rows), nextCursor: page.nextCursor };
    },

    async create(
      userId: string,
      input: {
        avatarId: string;
        title?: string | undefined;
        model?: string | null | undefined;
        /** Not saved, not remembered (domain/conversation.ts); fixed for its whole life. */
        incognito?: boolean | undefined;
      },
    ): Promise<{ conversation: ConversationView; branch: BranchMessage[] }> {
      const avatar = await avatars.findVisible(userId, input.avatarId);
      if (!avatar) throw notFound('avatar');
      let conversation = await conversations.create({
        ownerId: userId,
        avatarId: avatar.id,
        title: input.title?.trim() ?? '',
        titleSource: input.title?.trim() ? 'user' : 'auto',
        model: input.model ?? null,
        incognito: input.incognito ?? false,
      });
      const rows = await greetings(userId, conversation.id, avatar.id);
      if (rows.length > 0) {
        await messages.insertMany(rows);
        await conversations.messageAdded(conversation.id, rows[0]!.id!, new Date());
        await conversations.recount(conversation.id);
        conversation = await get(userId, conversation.id);
      }
      return {
        conversation: await withParticipantsOf(conversation),
        branch: await branch(userId, conversation),
      };
    },

    async update(userId: string, id: string, changes: ConversationChanges): Promise<ConversationView> {
      const conversation = await get(userId, id);
      const { activeLeafId, title, prompt, incognito, ...rest } = changes;
      if (incognito !== undefined && incognito !== conversation.incognito) {
        // Turning it off would keep what was meant to vanish; turning it on would not undo what
        // was already stored, extracted and indexed.
        throw new AppError(
          400,
          'incognito_permanent',
          conversation.incognito
            ? 'An incognito conversation stays incognito; start a new conversation to keep one'
            : 'Incognito is chosen when a conversation starts; start a new incognito conversation',
        );
      }
      let leaf: string | undefined;
      if (activeLeafId !== undefined) {
        const message = await messages.findOwned(userId, activeLeafId);
        if (!message || message.conversationId !== conversation.id) {
          throw invalidRequest('activeLeafId must be a message of this conversation');
        }
        leaf = await messages.newestLeafUnder(message.id);
      }
      if (prompt?.personaId && prompt.personaId !== ACCOUNT_PERSONA && deps.settings) {
        const { personas } = await deps.settings.get(userId);
        if (!personas.some((p) => p.id === prompt.personaId)) {
          throw invalidRequest('prompt.personaId must be one of your personas');
        }
      }
      const updated = await conversations.update(userId, id, {
        ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
        ...(title !== undefined ? { title: title.trim(), titleSource: 'user' as const } : {}),
        ...(prompt !== undefined ? { prompt: mergePrompt(conversation.prompt, prompt) } : {}),
        ...(leaf ? { activeLeafId: leaf } : {}),
      });
      if (!updated) throw notFound('conversation');
      return withParticipantsOf(updated);
    },

    async delete(userId: string, id: string): Promise<void> {
      if (!(await conversations.delete(userId, id))) throw notFound('conversation');
    },

    async tree(userId: string, conversation: ConversationRow): Promise<MessageRow[]> {
      if (conversation.ownerId !== userId) throw notFound('conversation');
      return messages.tree(conversation.id);
    },

    /** Deletes a message and its descendants; the visible branch moves to the nearest survivor. */
    async deleteBranch(userId: string, messageId: string): Promise<ConversationView> {
      const message = await getMessage(userId, messageId);
      const conversation = await get(userId, message.conversationId);
      await messages.deleteSubtree(userId, message.id);
      await conversations.recount(conversation.id);
      const current = await get(userId, conversation.id);
      if (current.activeLeafId) return withParticipantsOf(current); // the visible branch survived
      // Fall back to the newest remaining sibling, else the parent, else the newest root.
      const siblings = await messages.children(conversation.id, message.parentId);
      const anchor = siblings.at(-1)?.id ?? message.parentId;
      const leaf = anchor ? await messages.newestLeafUnder(anchor) : null;
      return withParticipantsOf(
        (await conversations.update(userId, conversation.id, { activeLeafId: leaf })) ?? current,
      );
    },

    /** A new conversation holding the path from the root to `messageId` (copied, with new ids). */
    async fork(userId: string, conversationId: string, messageId: string): Promise<ConversationView> {
      const source = await get(userId, conversationId);
      const message = await messages.findOwned(userId, messageId);
      if (!message || message.conversationId !== source.id) {
        throw invalidRequest('messageId must be a message of this conversation');
      }
      const path = await messages.branch(userId, message.id);
      const fork = await conversations.create({
        ownerId: userId,
        avatarId: source.avatarId,
        // Named after the source, so the two are told apart in the list (an untitled one stays so).
        title: source.title ? `${source.title} (branch)` : '',
        titleSource: source.titleSource,
        tags: source.tags,
        model: source.model,
        // A branch of an incognito conversation is no less private than its source.
        incognito: source.incognito,
      });
      // The avatars that took part in the source take part in the fork (its owner and primary
      // avatar were added with it).
      for (const participant of await participants.listFor([source.id])) {
        if (participant.avatarId) await participants.addAvatar(fork.id, participant.avatarId);
      }
      let parentId: string | null = null;
      // Copies get new ids, so the turns they open do too.
      const newIds = new Map<string, string>();
      let parentTurnId: string | null = null;
      const copies: NewMessageRow[] = path.map((m) => {
        const id = newId();
        newIds.set(m.id, id);
        const copy: NewMessageRow = {
          ...m,
          id,
          turnId: newIds.get(m.turnId ?? '') ?? turnIdFor({ id, role: m.role, parentId }, parentTurnId),
          conversationId: fork.id,
          parentId,
          status: m.status === 'streaming' ? 'interrupted' : m.status,
          writerId: null,
          metadata: { ...m.metadata, forkedFrom: { conversationId: source.id, messageId: m.id } },
        };
        parentId = copy.id!;
        parentTurnId = copy.turnId ?? null;
        return copy;
      });
      await messages.insertMany(copies);
      await conversations.update(userId, fork.id, { activeLeafId: parentId });
      await conversations.recount(fork.id);
      return withParticipantsOf(await get(userId, fork.id));
    },

    /** Ends the user's incognito conversations (their session ended: sign-out). */
    endIncognito: (userId: string) => conversations.deleteIncognito({ userId }),

    /** Deletes incognito conversations without activity since `idleBefore` (the purge job). */
    purgeIdleIncognito: (idleBefore: Date) => conversations.deleteIncognito({ idleBefore }),

    /** Conversations, messages and last use per avatar. */
    statsByAvatar: (userId: string) => conversations.statsByAvatar(userId),
  };
}

export type ConversationService = ReturnType<typeof createConversationService>;

/** The stored prompt controls with a change applied: fields given replace, blank text clears. */
function mergePrompt(
  stored: Record<string, unknown>,
  change: Partial<ConversationPrompt>,
): ConversationPrompt {
  const next = {
    ...readConversationPrompt(stored),
    ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)),
  };
  return {
    systemPrompt: next.systemPrompt?.trim() ? next.systemPrompt : null,
    authorsNote: next.authorsNote?.text.trim() ? next.authorsNote : null,
    ...(next.personaId ? { personaId: next.personaId } : {}),
  };
}
