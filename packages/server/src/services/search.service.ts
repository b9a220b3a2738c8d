import type { Database } from '../db/database.js';
import { invalidRequest, notFound } from '../errors.js';
import { isUuid } from '../ids.js';
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

function encodeCursor(cursor: MessageSearchCursor): string {
  return Buffer.from(JSON.stringify([cursor.rank, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): MessageSearchCursor {
  try {
    const [rank, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof rank === 'number' && Number.isFinite(rank) && typeof id === 'string' && isUuid(id)) {
      return { rank, id };
    }
  } catch {
    // fall through: not ours
  }
  throw invalidRequest('The cursor is not one this search returned', { field: 'cursor' });
}

/** A conversation tree in memory: parent and children by id (siblings sort by id, UUIDv7). */
function treeOf(links: { id: string; parentId: string | null }[]) {
  const parentOf = new Map(links.map((l) => [l.id, l.parentId]));
  const newestChild = new Map<string, string>();
  for (const { id, parentId } of links) {
    if (parentId && id > (newestChild.get(parentId) ?? '')) newestChild.set(parentId, id);
  }
  return {
    /** True when `id` is `leafId` or one of its ancestors. */
    isOnPath(id: string, leafId: string): boolean {
      let at: string | null | undefined = leafId;
      for (let steps = 0; at && steps <= links.length; steps++) {
        if (at === id) return true;
        at = parentOf.get(at);
      }
      return false;
    },
    /** Follows the newest child down from `id` to a leaf (what a sibling switch shows). */
    newestLeafUnder(id: string): string {
      let at = id;
      for (let steps = 0; newestChild.has(at) && steps <= links.length; steps++) at = newestChild.get(at)!;
      return at;
    },
  };
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
     * below the message (as a sibling switch would show).
     */
    async jump(userId: string, messageId: string): Promise<SearchJump> {
      const message = await messages.findOwned(userId, messageId);
      if (!message) throw notFound('message');
      const conversation = await conversations.findOwned(userId, message.conversationId);
      if (!conversation) throw notFound('message');
      const tree = treeOf(await search.links(conversation.id));
      const current = conversation.activeLeafId;
      const onActiveBranch = current !== null && tree.isOnPath(messageId, current);
      return {
        conversationId: conversation.id,
        messageId,
        activeLeafId: onActiveBranch ? current : tree.newestLeafUnder(messageId),
        onActiveBranch,
      };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
