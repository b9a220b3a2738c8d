/** `auto` titles may be replaced by the automatic titler; `user` titles never are. */
export const TITLE_SOURCES = ['auto', 'user'] as const;
export type TitleSource = (typeof TITLE_SOURCES)[number];

/**
 * A conversation as the product sees it (the `conversations` row satisfies this structurally): a
 * tree of messages whose active leaf is the visible branch. `avatarId` is the avatar that answers
 * by default; everyone taking part is in its participants (domain/participant.ts).
 */
export interface Conversation {
  id: string;
  ownerId: string;
  avatarId: string;
  title: string;
  titleSource: TitleSource;
  tags: string[];
  pinned: boolean;
  archived: boolean;
  /**
   * Chosen when it starts and never changed: nothing is extracted from it or recalled in it, its
   * messages are never indexed for recall, it is in no list, search or export, and it is deleted
   * when its session ends (sign-out, or CHAT_INCOGNITO_IDLE_MINUTES without activity).
   */
  incognito: boolean;
  /** The last message of the visible branch; null for an empty conversation. */
  activeLeafId: string | null;
  /** Model for this conversation (`provider/model`); null = the avatar's, then the user's default. */
  model: string | null;
  /** Its own system prompt and author's note, as stored (read with `readConversationPrompt`). */
  prompt: Record<string, unknown>;
  /** Sampling settings overriding the avatar's here, as stored (read with `readGenerationSettings`). */
  generation: Record<string, unknown>;
  messageCount: number;
  lastMessageAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
