import { z } from 'zod';
import { MESSAGE_ROLES } from '../domain/message-parts.js';
import {
  LESS_THAN,
  MATCH_END,
  MATCH_START,
  type MessageSearchRow,
} from '../repositories/message-search.repository.js';

export const snippetSegmentDto = z
  .object({
    text: z.string().describe('Plain text: render as text, never as HTML'),
    match: z.boolean().describe('True for a term the search matched (show highlighted)'),
  })
  .meta({ id: 'SnippetSegment' });

export const searchHitDto = z
  .object({
    messageId: z.uuid(),
    conversationId: z.uuid(),
    conversationTitle: z.string(),
    avatarId: z.uuid(),
    role: z.enum(MESSAGE_ROLES),
    model: z.string().nullable(),
    createdAt: z.iso.datetime(),
    snippet: z.array(snippetSegmentDto).describe('The best fragments of the message, terms marked'),
    toolNames: z
      .array(z.string())
      .describe('Tools the message called or answered for, in order (search matches text only)'),
    rank: z.number().describe('Relevance (higher is better); only comparable within one search'),
  })
  .meta({ id: 'SearchHit' });

export const searchJumpDto = z
  .object({
    conversationId: z.uuid(),
    messageId: z.uuid(),
    activeLeafId: z
      .uuid()
      .describe('The active leaf that shows the message: the current one when it already does'),
    onActiveBranch: z.boolean().describe('The message is already on the visible branch'),
  })
  .meta({ id: 'SearchJump' });

export type SnippetSegment = z.infer<typeof snippetSegmentDto>;
export type SearchHitDto = z.infer<typeof searchHitDto>;

/**
 * Cuts ts_headline output at its private-use markers into plain-text segments, so a client
 * highlights by rendering text, never markup (the message may itself contain HTML).
 *
 * @example toSnippetSegments('\uE000Hello\uE001 world') // [{text:'Hello',match:true},{text:' world',match:false}]
 */
export function toSnippetSegments(headline: string): SnippetSegment[] {
  const segments: SnippetSegment[] = [];
  const push = (text: string, match: boolean) => {
    if (!text) return;
    const last = segments.at(-1);
    // Pieces of the same kind join (an unmatched marker splits text that belongs together).
    if (last && last.match === match) last.text += text;
    else segments.push({ text, match });
  };
  const restored = headline.replaceAll(LESS_THAN, '<');
  let rest = restored;
  while (rest) {
    const start = rest.indexOf(MATCH_START);
    if (start === -1) {
      push(rest, false);
      break;
    }
    const end = rest.indexOf(MATCH_END, start + 1);
    if (end === -1) {
      push(rest.slice(0, start) + rest.slice(start + 1), false);
      break;
    }
    push(rest.slice(0, start), false);
    push(rest.slice(start + 1, end), true);
    rest = rest.slice(end + 1);
  }
  return segments;
}

export function toSearchHitDto(row: MessageSearchRow): SearchHitDto {
  return {
    messageId: row.id,
    conversationId: row.conversationId,
    conversationTitle: row.conversationTitle,
    avatarId: row.avatarId,
    role: row.role,
    model: row.model,
    createdAt: row.createdAt.toISOString(),
    snippet: toSnippetSegments(row.headline),
    toolNames: row.toolNames,
    rank: row.rank,
  };
}
