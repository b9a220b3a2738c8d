import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

const NUL = '\u0000';

/**
 * Where in a decoded value (JSON body, query, params, a WebSocket frame) a string or a key
 * holds the NUL character U+0000, as a JSON pointer (`/a/0/b`), or undefined when none does.
 * PostgreSQL `text` and `jsonb` cannot store U+0000, so such input would fail deep inside a
 * query; finding it up front turns that into a 400.
 * @example findNul({ tags: ['ok', 'a\u0000b'] }) // '/tags/1'
 */
export function findNul(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes(NUL) ? path || '/' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  // Uploads arrive as buffers or streams: binary data may hold zero bytes.
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function') return undefined;
  // Iterative over the nesting so a deeply nested body cannot overflow the stack here.
  const stack: { value: unknown; path: string }[] = [{ value, path }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (item.value.includes(NUL)) return item.path || '/';
      continue;
    }
    if (item.value === null || typeof item.value !== 'object' || ArrayBuffer.isView(item.value)) continue;
    for (const [key, child] of Object.entries(item.value)) {
      const childPath = `${item.path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (key.includes(NUL)) return childPath;
      stack.push({ value: child, path: childPath });
    }
  }
  return undefined;
}

/** The 400 for text holding U+0000, shaped like a schema validation failure. */
export function nulRefused(path: string, location: string): AppError {
  return new AppError(400, 'invalid_request', 'Text must not contain the NUL character (U+0000)', {
    issues: [{ path, message: 'must not contain the NUL character (U+0000)', in: location }],
  });
}

/**
 * Copies a decoded value with every U+0000 removed from its strings and keys: for text taken
 * out of imported files (a card's name, a chat log), which is cleaned rather than refused
 * because the person importing did not type it and cannot easily fix it.
 * @example stripNul({ name: 'A\u0000da' }) // { name: 'Ada' }
 */
export function stripNul<T>(value: T): T {
  if (findNul(value) === undefined) return value; // the common case copies nothing
  return stripped(value) as T;
}

// Recursive: decoders of imported files bound the nesting before their values get here.
function stripped(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll(NUL, '');
  if (Array.isArray(value)) return value.map(stripped);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replaceAll(NUL, ''), stripped(v)]));
}

/**
 * Refuses U+0000 in the params, query string (`%00`) and parsed body (`\u0000` in JSON) of
 * every route, before the route's own validation, with 400 `invalid_request`. One hook covers
 * every route registered after it; multipart bodies are read by their routes (their text
 * fields are validated there) and WebSocket frames are checked with `findNul` by the socket route.
 */
export function registerNulGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    for (const [location, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      const path = findNul(value);
      if (path !== undefined) throw nulRefused(path, location);
    }
  });
}
