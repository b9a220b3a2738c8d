import type { ChatModel } from '../providers/types.js';
import type { ModelService } from './model.service.js';

const MAX_TITLE_CHARS = 80;

/** The first words of a text, cut at a word boundary: the title when no model can make one. */
export function fallbackTitle(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= 60) return flat;
  const cut = flat.slice(0, 60);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 30 ? cut.lastIndexOf(' ') : 60)}…`;
}

/** Cleans a model's title: one line, no quotes or trailing period, not too long. */
export function cleanTitle(raw: string): string {
  const line =
    raw
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  const title = line
    .replace(/^(title|subject)\s*:\s*/i, '')
    // Curly quotes as escapes: one character above U+00FF in the bundle makes V8 hold its whole
    // source (MBs) as a two-byte string (docs/performance.md, idle memory).
    .replace(/^["'\u201C\u201D\u2018\u2019*#\s]+/, '')
    // Quotes, emphasis and the final period, in any order ('"Trip to Rome".', '"Trip to Rome."').
    .replace(/["'\u201C\u201D\u2018\u2019*.\s]+$/, '')
    // Markdown inside: "Saturn has **146** moons" is shown as plain text, marks and all.
    .replace(/(\*{1,3}|_{2,3}|`)(\S(?:.*?\S)?)\1/g, '$2');
  return title.length > MAX_TITLE_CHARS ? `${title.slice(0, MAX_TITLE_CHARS - 1)}…` : title;
}

/**
 * Names a conversation after its first exchange, with the conversation's own model chain and a
 * short time limit; falls back to the user's first words when the model fails or says nothing.
 */
export function createConversationTitleService(deps: { models: ModelService; timeoutMs?: number }) {
  return {
    async titleFor(
      userId: string,
      input: { userText: string; replyText: string; chain: ChatModel[]; avatarId: string },
    ): Promise<string> {
      const signal = AbortSignal.timeout(deps.timeoutMs ?? 20_000);
      let text = '';
      try {
        for await (const part of deps.models.stream(userId, {
          messages: [
            {
              role: 'system',
              content:
                'You name chat conversations. Answer with a title of 2 to 6 words in the language of the conversation, and nothing else.',
            },
            {
              role: 'user',
              content: `User: ${input.userText.slice(0, 2000)}\n\nAssistant: ${input.replyText.slice(0, 2000)}\n\nTitle:`,
            },
          ],
          chain: input.chain,
          purpose: 'title',
          maxOutputTokens: 24,
          signal,
          avatarId: input.avatarId,
        })) {
          if (part.type === 'text-delta') text += part.delta;
          if (part.type === 'error') text = '';
        }
      } catch {
        text = '';
      }
      return cleanTitle(text) || fallbackTitle(input.userText) || 'New conversation';
    },
  };
}

export type ConversationTitleService = ReturnType<typeof createConversationTitleService>;
