import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import { NEUTRAL_STYLE } from '../domain/avatar.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import type { createMessageRepository } from '../repositories/message.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { CSRF, signup } from './app.js';

/**
 * A new signed-in user with a conversation with their first avatar (its greeting is the first
 * message); with `model`, that model is set as their default first.
 * @example const chat = await startChat(app, 'ada@example.org', { model: 'ollama/llama3.2:latest' });
 */
export async function startChat(app: FastifyInstance, email: string, options: { model?: string } = {}) {
  const account = await signup(app, email);
  const headers = { ...CSRF, cookie: account.cookie };
  if (options.model)
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      payload: { defaultModel: options.model },
      headers,
    });
  const avatarId = (await app.inject({ method: 'GET', url: '/api/avatars', headers })).json().avatars[0].id;
  const created = (
    await app.inject({ method: 'POST', url: '/api/conversations', headers, payload: { avatarId } })
  ).json();
  return {
    ...account,
    userId: account.user.id as string,
    headers,
    conversationId: created.conversation.id as string,
    greetingId: created.messages[0].id as string,
  };
}

/**
 * Stores a reply as a writer leaves it while streaming (status `streaming`, owned by `writerId`)
 * below the chat's greeting: what a writer that died, or lost its database, leaves behind.
 */
export async function storeStreamingReply(
  messages: ReturnType<typeof createMessageRepository>,
  chat: { userId: string; conversationId: string; greetingId: string },
  writerId: string,
  content: string,
) {
  const [row] = await messages.append(chat.conversationId, [
    {
      conversationId: chat.conversationId,
      ownerId: chat.userId,
      parentId: chat.greetingId,
      role: 'assistant',
      status: 'streaming',
      content,
      writerId,
    },
  ]);
  return row!;
}

/**
 * A user, a private avatar of theirs (neutral style) and a conversation between them, written
 * straight through the repositories: for repository tests that need rows, not the HTTP API.
 * @example const { owner, avatar, conversation } = await storedConversation(storage.db, 'a@example.org');
 */
export async function storedConversation(db: Database, email: string) {
  const owner = await createUserRepository(db).create({
    email,
    passwordHash: 'x',
    name: email.split('@')[0]!,
  });
  const avatar = await createAvatarRepository(db).create({
    ownerId: owner.id,
    name: 'A',
    style: NEUTRAL_STYLE,
    voice: { engine: null, voice: null, rate: 1, pitch: 1 },
    memory: { enabled: true, scope: 'private' },
  });
  const conversation = await createConversationRepository(db).create({
    ownerId: owner.id,
    avatarId: avatar.id,
  });
  return { owner, avatar, conversation };
}
