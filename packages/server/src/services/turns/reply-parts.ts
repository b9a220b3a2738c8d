import type { MessagePart } from '../../domain/message-parts.js';

/**
 * A reply's message parts as its stream writes them: deltas grow the last text or reasoning part
 * (a string append, no new part per token), a tool call or result is a part of its own, and a
 * text after a tool result starts a new text part (the next step). `version` counts changes, so
 * the flusher knows without comparing texts whether there is anything new to write.
 * @example const parts = replyParts([]); parts.text('Hel'); parts.text('lo'); parts.list() // [{ type: 'text', text: 'Hello' }]
 */
export function replyParts(initial: MessagePart[]) {
  const list: MessagePart[] = initial;
  let version = 0;
  let text = '';
  for (const part of list) if (part.type === 'text') text += part.text;

  function grow(type: 'text' | 'reasoning', delta: string) {
    if (delta === '') return;
    const last = list.at(-1);
    if (last?.type === type) last.text += delta;
    else list.push({ type, text: delta });
    version++;
  }

  const lastTextLength = () => {
    const last = list.at(-1);
    return last?.type === 'text' || last?.type === 'reasoning' ? last.text.length : 0;
  };

  return {
    text(delta: string) {
      grow('text', delta);
      text += delta;
    },
    reasoning: (delta: string) => grow('reasoning', delta),
    add(part: Extract<MessagePart, { type: 'tool-call' | 'tool-result' }>) {
      list.push(part);
      version++;
    },
    /** The parts so far (the live list: copy it to keep a snapshot). */
    list: () => list,
    /** The text parts joined: the message's `content`. */
    content: () => text,
    version: () => version,
    /** Where the reply is now: `since(mark)` gives what is written after it. */
    mark: () => ({ count: list.length, lastLength: lastTextLength() }),
    /**
     * The parts written after `mark`, a part grown since then cut to what it gained (a continued
     * reply's first words): what the model wrote in this run, to send back in the next step.
     */
    since(mark: { count: number; lastLength: number }): MessagePart[] {
      const grown = list[mark.count - 1];
      const head =
        grown && (grown.type === 'text' || grown.type === 'reasoning') && grown.text.length > mark.lastLength
          ? [{ ...grown, text: grown.text.slice(mark.lastLength) }]
          : [];
      return [...head, ...list.slice(mark.count)];
    },
    /** Tool calls of the current step that have no result yet. */
    openCalls(): Extract<MessagePart, { type: 'tool-call' }>[] {
      const answered = new Set(list.flatMap((p) => (p.type === 'tool-result' ? [p.toolCallId] : [])));
      return list.filter(
        (p): p is Extract<MessagePart, { type: 'tool-call' }> =>
          p.type === 'tool-call' && !answered.has(p.toolCallId),
      );
    },
  };
}

export type ReplyParts = ReturnType<typeof replyParts>;
