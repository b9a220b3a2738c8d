import type { MessagePart } from './message-parts.js';

/**
 * A message's parts with their text replaced by `text`, everything else (reasoning, tool calls
 * and results, files) kept where it was: what an edit in place stores. The text of a message is
 * its text parts joined, so the edit is laid over them as a change of that joined text (the
 * common start and end stay, the middle is replaced): a typo fixed inside one text part changes
 * only that part, and text parts the edit empties are dropped. A message without text gets the
 * new text as a text part after its other parts. The text of the result is always `text`.
 * @example replaceTextOfParts([{ type: 'reasoning', text: 'r' }, { type: 'text', text: 'Helo' }], 'Hello')
 * // [{ type: 'reasoning', text: 'r' }, { type: 'text', text: 'Hello' }]
 */
export function replaceTextOfParts(parts: readonly MessagePart[], text: string): MessagePart[] {
  const texts = parts.flatMap((part) => (part.type === 'text' ? [part.text] : []));
  if (texts.length === 0) return text === '' ? [...parts] : [...parts, { type: 'text', text }];
  const old = texts.join('');
  let prefix = 0;
  const most = Math.min(old.length, text.length);
  while (prefix < most && old[prefix] === text[prefix]) prefix++;
  let suffix = 0;
  while (suffix < most - prefix && old[old.length - 1 - suffix] === text[text.length - 1 - suffix]) suffix++;
  // Never between the two halves of a surrogate pair: a part must hold whole characters.
  if (prefix > 0 && isHighSurrogate(old.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(old.charCodeAt(old.length - suffix))) suffix--;
  // Old text [prefix, end) becomes `inserted`.
  const end = old.length - suffix;
  const inserted = text.slice(prefix, text.length - suffix);
  const result: MessagePart[] = [];
  let start = 0;
  let placed = false;
  for (const part of parts) {
    if (part.type !== 'text') {
      result.push(part);
      continue;
    }
    const stop = start + part.text.length;
    let next = start < prefix ? old.slice(start, Math.min(stop, prefix)) : '';
    // The change goes into the first text part that reaches where it starts.
    if (!placed && prefix <= stop) {
      next += inserted;
      placed = true;
    }
    if (stop > end) next += old.slice(Math.max(start, end), stop);
    if (next !== '') result.push({ type: 'text', text: next });
    start = stop;
  }
  return result;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
