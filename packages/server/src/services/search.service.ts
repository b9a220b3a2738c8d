import type { Database } from '../db/database.js';
import { invalidRequest, notFound } from '../errors.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import {
  createMessageSearchRepository,
  type MessageSearchCursor,
  type MessageSearchFilter,
  type MessageSearchRow,
} from '../repositories/message-search.repository.js';
import { hasTerms, parseSearchQuery } from './search-query.js';

export interface SearchInput extends MessageSearchFilter {
  q: string;
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

export interface SearchResult {
  hits: MessageSearchRow[];
  nextCursor: string | null;
  /** Only the newest matches were ranked; narrow the search (words, `to`) to reach older ones. */
  truncated: boolean;
}

/** Where a message lives and which active leaf makes it visible. */
export interface SearchJump {
  conversationId: string;
  messageId: string;
  activeLeafId: string;
  onActiveBranch: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encodeCursor(cursor: MessageSearchCursor): string {
  return Buffer.from(JSON.stringify([cursor.rank, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): MessageSearchCursor {
  try {
    const [rank, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof rank === 'number' && Number.isFinite(rank) && typeof id === 'string' && UUID.test(id)) {
      return { rank, id };
    }
  } catch {
    // fall through: not ours
  }
  throw invalidRequest('The cursor is not one this search returned', { field: 'cursor' });
}

/** Full-text search over the caller's messages, and the way from a hit to its branch. */
export function createSearchService(deps: { db: Database }) {
  const search = createMessageSearchRepository(deps.db);
  const messages = createMessageRepository(deps.db);
  const conversations = createConversationRepository(deps.db);
  return {
    /** One page of hits, best first; text without a letter or digit finds nothing. */
    async search(userId: string, input: SearchInput): Promise<SearchResult> {
      const query = parseSearchQuery(input.q);
      const cursor = input.cursor ? decodeCursor(input.cursor) : undefined;
      if (!hasTerms(query)) return { hits: [], nextCursor: null, truncated: false };
      const { q: _q, limit, cursor: _cursor, ...filter } = input;
      const page = await search.search(userId, query, filter, { limit, cursor });
      const last = page.rows.at(-1);
      return {
        hits: page.rows,
        nextCursor: page.hasMore && last ? encodeCursor({ rank: last.rank, id: last.id }) : null,
        truncated: page.truncated,
      };
    },

    /**
     * The active leaf to show a message: the conversation's current one when the message is
     * on the visible branch already (the user's chosen siblings stay), else the newest leaf
     * below the message.
     */
    async jump(userId: string, messageId: string): Promise<SearchJump> {
      const message = await messages.findOwned(userId, messageId);
      if (!message) throw notFound('message');
      const conversation = await conversations.findOwned(userId, message.conversationId);
      if (!conversation) throw notFound('message');
      const current = conversation.activeLeafId;
      if (current && (await search.isOnBranch(current, messageId))) {
        return { conversationId: conversation.id, messageId, activeLeafId: current, onActiveBranch: true };
      }
      return {
        conversationId: conversation.id,
        messageId,
        activeLeafId: await messages.newestLeafUnder(messageId),
        onActiveBranch: false,
      };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
