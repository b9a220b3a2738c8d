/**
 * What PostgreSQL cannot store in `text` or `jsonb`: U+0000, and a UTF-16 surrogate without its
 * pair (JSON allows the escape `"\ud800"`; jsonb refuses it and it is not text anyway).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');
const unstorable = (text: string) => UNSTORABLE.test(text);

/**
 * Where in a decoded value (JSON body, query, params, a WebSocket frame) a string or a key
 * holds U+0000 or a lone surrogate, as a JSON pointer (`/a/0/b`), or undefined when none does.
 * Such input would fail deep inside a query; finding it up front turns that into a 400.
 * @example findUnstorableText({ tags: ['ok', 'a\u0000b'] }) // '/tags/1'
 */
export function findUnstorableText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return unstorable(value) ? path || '/' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  // Uploads arrive as buffers or streams: binary data may hold zero bytes.
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function') return undefined;
  // Iterative over the nesting so a deeply nested body cannot overflow the stack here.
  const stack: { value: unknown; path: string }[] = [{ value, path }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (unstorable(item.value)) return item.path || '/';
      continue;
    }
    if (item.value === null || typeof item.value !== 'object' || ArrayBuffer.isView(item.value)) continue;
    for (const [key, child] of Object.entries(item.value)) {
      const childPath = `${item.path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (unstorable(key)) return childPath;
      stack.push({ value: child, path: childPath });
    }
  }
  return undefined;
}

/**
 * Copies a decoded value with U+0000 removed from its strings and keys (and a lone surrogate
 * replaced by U+FFFD): for text taken out of imported files (a card's name, a chat log), which
 * is cleaned rather than refused because the person importing did not type it.
 * @example stripUnstorableText({ name: 'A\u0000da' }) // { name: 'Ada' }
 */
export function stripUnstorableText<T>(value: T): T {
  if (findUnstorableText(value) === undefined) return value; // the common case copies nothing
  return stripped(value) as T;
}

// Recursive: decoders of imported files bound the nesting before their values get here.
function stripped(value: unknown): unknown {
  if (typeof value === 'string') return cleaned(value);
  if (Array.isArray(value)) return value.map(stripped);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleaned(k), stripped(v)]));
}

const cleaned = (text: string) => text.replace(UNSTORABLE_ALL, (c) => (c === '\u0000' ? '' : '\ufffd'));
