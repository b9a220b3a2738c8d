import type { Message } from '../domain/message.js';
import type { ChatMessage } from '../providers/types.js';
import type { ContextPart } from './assemble-context.js';
import { TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from './context-budget.js';
import type { LoreInjection } from './context-lore.js';
import { insertAtDepth } from './context-sections.js';
import type { TokenCounter } from './prompt-token-counter.js';

type Role = ContextPart['role'];
type Section = { title: string; text: string; tokens: number };

/** What goes into the context, each piece already chosen and counted. */
export interface ContextPieces {
  system: Section;
  memory: Section | null;
  summary: Section | null;
  /** Kept history, oldest first, with each message's token count. */
  history: { item: Message; tokens: number }[];
  injections: readonly LoreInjection[];
  postHistory: Section | null;
  speakers: { user: string; char: string };
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
  const history = pieces.history.map(({ item, tokens }) => {
    const title = item.role === 'user' ? user : item.role === 'assistant' ? char : 'System';
    // Tool messages reach the model as tool results (message parts); until then, their text as system.
    return part(
      'message',
      item.role === 'tool' ? 'system' : item.role,
      { title, text: item.content, tokens },
      item.id,
    );
  });
  const lore = pieces.injections.map((injection) => ({
    depth: injection.depth,
    item: part('lore', injection.role, injection),
  }));
  const body = [
    ...insertAtDepth(history, lore),
    ...(pieces.postHistory ? [part('post_history', 'system', pieces.postHistory)] : []),
  ];
  body.forEach((item, index) => {
    item.messageIndex = index + 1;
  });

  const leadText = lead.map((item) => item.text).join('\n\n');
  const leadTokens = lead.length === 1 ? pieces.system.tokens : await countTokens(leadText);
  const messages: ChatMessage[] = [
    { role: 'system', content: leadText },
    ...body.map((item) => ({ role: item.role, content: item.text })),
  ];
  const total = body.reduce(
    (sum, item) => sum + item.tokens + TOKENS_PER_MESSAGE,
    TOKENS_PER_REPLY + leadTokens + TOKENS_PER_MESSAGE,
  );
  return { messages, parts: [...lead, ...body], total };
}
