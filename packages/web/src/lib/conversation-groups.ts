import type { Conversation } from './conversations';

export interface ConversationGroup {
  key: 'pinned' | 'today' | 'earlier';
  label: string;
  conversations: Conversation[];
}

/** When a conversation was last active: its last message, else its creation. */
export function lastActivity(conversation: Pick<Conversation, 'lastMessageAt' | 'createdAt'>): string {
  return conversation.lastMessageAt ?? conversation.createdAt;
}

/**
 * Pinned first, then today's, then earlier ones, each in the order the server sent (newest
 * activity first). Empty groups are left out.
 * @example groupConversations(list, new Date()) // [{ key: 'pinned', … }, { key: 'today', … }]
 */
export function groupConversations(conversations: readonly Conversation[], now: Date): ConversationGroup[] {
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const groups: ConversationGroup[] = [
    { key: 'pinned', label: 'Pinned', conversations: [] },
    { key: 'today', label: 'Today', conversations: [] },
    { key: 'earlier', label: 'Earlier', conversations: [] },
  ];
  for (const conversation of conversations) {
    const group = conversation.pinned
      ? groups[0]!
      : Date.parse(lastActivity(conversation)) >= startOfToday
        ? groups[1]!
        : groups[2]!;
    group.conversations.push(conversation);
  }
  return groups.filter((g) => g.conversations.length > 0);
}
