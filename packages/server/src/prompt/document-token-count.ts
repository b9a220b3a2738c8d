import type { AttachmentContents } from './message-attachments.js';
import type { TokenCounter } from './prompt-token-counter.js';

/**
 * Document texts shorter than this are left to the token counter's own cache (it remembers texts
 * up to 32,000 characters); longer ones would be tokenized again on every turn.
 */
const LONG_DOCUMENT_CHARS = 4000;
const MAX_REMEMBERED = 2000;

/** Tokens of long document blocks, by model and part url (an attachment's text never changes). */
const remembered = new Map<string, number>();

/**
 * A token counter that counts each long document block of `attachments` once per model and
 * remembers it: a text holding one is counted as the rest of the text plus the block's
 * remembered count (a token or two off at the seam, where the budget has a margin anyway).
 * Context assembly counts the same history on every turn, and a 200,000-character document
 * costs tens of milliseconds of CPU to tokenize. Without long documents, `count` itself.
 * @example const count = countingDocumentsOnce(tokenCounterFor('gpt-4o'), contents, 'openai/gpt-4o');
 */
export function countingDocumentsOnce(
  count: TokenCounter,
  attachments: AttachmentContents | undefined,
  modelKey: string,
): TokenCounter {
  if (!attachments) return count;
  const blocks: [key: string, text: string][] = [];
  for (const [url, content] of attachments)
    if (content.kind === 'document' && content.text.length > LONG_DOCUMENT_CHARS)
      blocks.push([`${modelKey}\u0000${url}`, content.text]);
  if (blocks.length === 0) return count;
  return async (text) => {
    let rest = text;
    let total = 0;
    for (const [key, block] of blocks) {
      const at = rest.length >= block.length ? rest.indexOf(block) : -1;
      if (at < 0) continue;
      rest = rest.slice(0, at) + rest.slice(at + block.length);
      let tokens = remembered.get(key);
      if (tokens === undefined) {
        tokens = await count(block);
        if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
        remembered.set(key, tokens);
      }
      total += tokens;
    }
    return total + (await count(rest));
  };
}
