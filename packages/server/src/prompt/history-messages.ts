import type { MessageRow } from '../db/schema/index.js';
import type { MessagePart } from '../domain/message-parts.js';
import type { ChatImage, ChatMessage, ToolCall } from '../providers/types.js';
import type { AttachmentContents } from './message-attachments.js';

/**
 * What the model is sent for one stored message, built from its parts in order:
 * - text parts become the message's text (a `system` or `user` message is its text);
 * - reasoning parts are never sent back (models reason afresh; they also cost tokens and some
 *   vendors refuse foreign reasoning);
 * - an assistant's tool calls ride on the assistant message that made them, and every tool
 *   result (in a `tool` message, or stored after the call in the assistant's own parts, as one
 *   reply run with several steps writes it) becomes a `tool` message of its own, so
 *   `[text, call, result, text]` is sent as assistant(text + call), tool(result), assistant(text);
 * - file parts are sent as `attachments` says (prompt/message-attachments.ts): pictures as the
 *   message's `images` (user messages only), documents as their text after the message's text
 *   (`<document name="…">…</document>`), anything else as a short note there; without an entry
 *   (no attachments loaded) a file part is not sent;
 * - a `tool` message is its results; its text (what search reads) is sent only when it has no
 *   result part (an imported tool message), as a system note, since a tool message without a
 *   call to answer would be refused.
 * A message with nothing to send gives no chat message.
 * @example chatMessagesOf({ role: 'user', parts: [{ type: 'text', text: 'Hi' }] }) // [{ role: 'user', content: 'Hi' }]
 */
export function chatMessagesOf(
  message: Pick<MessageRow, 'role' | 'parts'>,
  attachments?: AttachmentContents,
): ChatMessage[] {
  const sent: ChatMessage[] = [];
  let text = '';
  let calls: ToolCall[] = [];
  let images: ChatImage[] = [];
  // Document texts and notes follow the message's own words, in the order of their parts.
  let appended: string[] = [];
  const isTool = message.role === 'tool';
  if (isTool && message.parts.some((part) => part.type === 'tool-result'))
    return message.parts.flatMap((part) => (part.type === 'tool-result' ? [toolResultMessage(part)] : []));
  const speaker = isTool ? 'system' : message.role;
  const close = () => {
    const content = appended.length > 0 ? [text, ...appended].filter((t) => t !== '').join('\n\n') : text;
    if (content.trim() !== '' || calls.length > 0 || images.length > 0)
      sent.push({
        role: speaker,
        content,
        ...(calls.length > 0 ? { toolCalls: calls } : {}),
        ...(images.length > 0 ? { images } : {}),
      });
    text = '';
    calls = [];
    images = [];
    appended = [];
  };
  for (const part of message.parts) {
    switch (part.type) {
      case 'text':
        // Text after a tool result is the next step of the reply: a new assistant message.
        text += part.text;
        break;
      case 'tool-call':
        if (speaker === 'assistant')
          calls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input ?? {} });
        break;
      case 'tool-result':
        close();
        sent.push(toolResultMessage(part));
        break;
      case 'file': {
        const content = attachments?.get(part.url);
        if (content?.kind === 'image' && speaker === 'user') images.push(content.image);
        else if (content && content.kind !== 'image') appended.push(content.text);
        break;
      }
      case 'reasoning':
        break;
    }
  }
  close();
  return sent;
}

function toolResultMessage(part: Extract<MessagePart, { type: 'tool-result' }>): ChatMessage {
  return {
    role: 'tool',
    content: typeof part.output === 'string' ? part.output : (JSON.stringify(part.output) ?? ''),
    toolCallId: part.toolCallId,
    toolName: part.toolName,
    ...(part.isError ? { isError: true } : {}),
  };
}

/**
 * Drops what a provider would refuse in a history cut by the token budget or by a reply that
 * stopped mid-step: a tool call no result answers (OpenAI requires one per call) and a result
 * whose call is not sent (Anthropic refuses it). Messages left empty go too.
 * @example pairToolCalls([[assistantCalling('c1')], []]) // [[assistant without the call → dropped], []]
 */
export function pairToolCalls(groups: ChatMessage[][]): ChatMessage[][] {
  const called = new Set<string>();
  const answered = new Set<string>();
  for (const message of groups.flat()) {
    for (const call of message.toolCalls ?? []) called.add(call.toolCallId);
    if (message.role === 'tool' && message.toolCallId) answered.add(message.toolCallId);
  }
  return groups.map((group) =>
    group.flatMap((message): ChatMessage[] => {
      if (message.role === 'tool')
        return message.toolCallId && called.has(message.toolCallId) ? [message] : [];
      if (!message.toolCalls) return [message];
      const toolCalls = message.toolCalls.filter((call) => answered.has(call.toolCallId));
      if (toolCalls.length === message.toolCalls.length) return [message];
      const { toolCalls: _all, ...rest } = message;
      if (toolCalls.length > 0) return [{ ...rest, toolCalls }];
      return rest.content.trim() !== '' ? [rest] : [];
    }),
  );
}

/**
 * The text a chat message's tokens are counted on (and the context preview shows): its text,
 * then each tool call as `name(input)`. Framing per message is counted apart.
 * @example sentTextOf({ role: 'assistant', content: 'Checking.', toolCalls: [{ toolCallId: 'c', toolName: 'time', input: {} }] }) // 'Checking.\ntime({})'
 */
export function sentTextOf(message: ChatMessage): string {
  const calls = (message.toolCalls ?? []).map((call) => `${call.toolName}(${JSON.stringify(call.input)})`);
  return [message.content, ...calls].filter((piece) => piece !== '').join('\n');
}

/** The text counted for a stored message: what {@link chatMessagesOf} sends, each message's text joined. */
export function sentTextOfMessage(
  message: Pick<MessageRow, 'role' | 'parts'>,
  attachments?: AttachmentContents,
): string {
  return chatMessagesOf(message, attachments).map(sentTextOf).join('\n');
}

/** The pictures {@link chatMessagesOf} sends with a stored message. */
export function imageCountOf(
  message: Pick<MessageRow, 'role' | 'parts'>,
  attachments?: AttachmentContents,
): number {
  if (!attachments || message.role !== 'user') return 0;
  let count = 0;
  for (const part of message.parts)
    if (part.type === 'file' && attachments.get(part.url)?.kind === 'image') count++;
  return count;
}
