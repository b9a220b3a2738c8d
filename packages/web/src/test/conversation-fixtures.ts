import type { ChatMessage, Conversation } from '../lib/conversations';

/** A conversation as the API returns it; override what a test cares about. */
export function conversationFixture(
  overrides: Partial<Conversation> & Pick<Conversation, 'id' | 'avatarId'>,
): Conversation {
  return {
    title: 'A chat',
    titleSource: 'user',
    model: null,
    prompt: { systemPrompt: null, authorsNote: null },
    generation: {},
    pinned: false,
    archived: false,
    incognito: false,
    tags: [],
    activeLeafId: null,
    messageCount: 1,
    participants: [],
    lastMessageAt: '2026-01-03T00:00:00.000Z',
    createdAt: '2026-01-03T00:00:00.000Z',
    updatedAt: '2026-01-03T00:00:00.000Z',
    ...overrides,
  } as Conversation;
}

/** An avatar's greeting: the first message of a conversation, complete, with no parent. */
export function greetingFixture(
  overrides: Partial<ChatMessage> & Pick<ChatMessage, 'id' | 'conversationId' | 'content'>,
  avatarId: string,
): ChatMessage {
  return {
    parentId: null,
    role: 'assistant',
    parts: [{ type: 'text', text: overrides.content }],
    turnId: null,
    speaker: { kind: 'avatar', id: avatarId },
    status: 'complete',
    error: null,
    model: null,
    finishReason: null,
    usage: null,
    timings: null,
    siblingIds: [overrides.id],
    hasSummary: false,
    metadata: {},
    createdAt: '2026-01-03T00:00:00.000Z',
    updatedAt: '2026-01-03T00:00:00.000Z',
    ...overrides,
  } as ChatMessage;
}
