import type { Message } from '../domain/message.js';
import type { ChatMessage } from '../providers/types.js';
import type { ContextPart } from './assemble-context.js';
import { TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from './context-budget.js';
import type { LoreInjection } from './context-lore.js';
import { insertAtDepth } from './context-sections.js';
import { chatMessagesOf, pairToolCalls, sentTextOf } from './history-messages.js';
import { type AttachmentContents, IMAGE_TOKENS } from './message-attachments.js';
import type { TokenCounter } from './prompt-token-counter.js';

type Role = ContextPart['role'];
type Section = { title: string; text: string; tokens: number };

/** What goes into the context, each piece already chosen and counted. */
export interface ContextPieces {
  system: Section;
  memory: Section | null;
  summary: Section | null;
  /** Kept history, oldest first, with the text its tokens were counted on (history-messages.ts). */
  history: { item: Message; text: string; tokens: number }[];
  injections: readonly LoreInjection[];
  postHistory: Section | null;
  speakers: { user: string; char: string };
  /** What the history's file parts are sent as (prompt/message-attachments.ts). */
  attachments?: AttachmentContents | undefined;
}

/**
 * Orders the pieces into the chat messages sent and the parts shown: system prompt, memories
 * and summary joined into one leading system message (some local chat templates honour only
 * one), then the history with `at_depth` lore inserted, then the post-history instructions.
 * `total` counts every message's text plus the chat format's framing.
 * @example const { messages, parts, total } = await layoutContext(pieces, countTokens);
 */
export async function layoutContext(
  pieces: ContextPieces,
  countTokens: TokenCounter,
): Promise<{ messages: ChatMessage[]; parts: ContextPart[]; total: number }> {
  const part = (
    kind: ContextPart['kind'],
    role: Role,
    section: Section,
    messageId?: string,
  ): ContextPart => ({
    kind,
    title: section.title,
    role,
    text: section.text,
    tokens: section.tokens,
    ...(messageId ? { messageId } : {}),
    messageIndex: 0,
  });
  const lead = [
    part('system', 'system', pieces.system),
    ...(pieces.memory ? [part('memory', 'system', pieces.memory)] : []),
    ...(pieces.summary ? [part('summary', 'system', pieces.summary)] : []),
  ];
  const { user, char } = pieces.speakers;
  // Each stored message is sent as its parts say (history-messages.ts); a call and its result
  // the budget cut apart are both left out, and a message sent differently from the text the
  // budget counted is counted again, so `total` counts exactly what is sent.
  const sent = pairToolCalls(pieces.history.map(({ item }) => chatMessagesOf(item, pieces.attachments)));
  const history: Entry[] = [];
  for (const [index, { item, text: counted, tokens }] of pieces.history.entries()) {
    const title = item.role === 'user' ? user : item.role === 'assistant' ? char : TITLES[item.role];
    for (const message of sent[index]!) {
      const text = sentTextOf(message);
      const images = message.images?.length ?? 0;
      const section = {
        title,
        text,
        tokens: text === counted ? tokens : (await countTokens(text)) + images * IMAGE_TOKENS,
      };
      const shown = part('message', message.role, section, item.id);
      history.push({ part: images > 0 ? { ...shown, images } : shown, message });
    }
  }
  const lore = pieces.injections.map((injection) => ({
    depth: injection.depth,
    item: plain(part(injection.kind ?? 'lore', injection.role, injection)),
  }));
  const body = [
    ...insertAtDepth(history, lore),
    ...(pieces.postHistory ? [plain(part('post_history', 'system', pieces.postHistory))] : []),
  ];
  body.forEach((entry, index) => {
    entry.part.messageIndex = index + 1;
  });

  const leadText = lead.map((item) => item.text).join('\n\n');
  const leadTokens = lead.length === 1 ? pieces.system.tokens : await countTokens(leadText);
  const messages: ChatMessage[] = [
    { role: 'system', content: leadText },
    ...body.map((entry) => entry.message),
  ];
  const total = body.reduce(
    (sum, entry) => sum + entry.part.tokens + TOKENS_PER_MESSAGE,
    TOKENS_PER_REPLY + leadTokens + TOKENS_PER_MESSAGE,
  );
  return { messages, parts: [...lead, ...body.map((entry) => entry.part)], total };
}

/** A part shown in the preview and the chat message it is sent as. */
interface Entry {
  part: ContextPart;
  message: ChatMessage;
}

const TITLES = { system: 'System', tool: 'Tool' } as const;

/** A part sent as its own text. */
const plain = (part: ContextPart): Entry => ({ part, message: { role: part.role, content: part.text } });
