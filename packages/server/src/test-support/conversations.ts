import type { FastifyInstance } from 'fastify';
import type { createMessageRepository } from '../repositories/message.repository.js';
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
