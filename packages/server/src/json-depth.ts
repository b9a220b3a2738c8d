import { AppError } from './errors.js';

/**
 * How deeply arrays and objects may nest in JSON that comes from outside (request bodies, card,
 * lorebook and conversation files). Real files nest fewer than 10 levels; the limit only has to
 * stay far below the depth at which a recursive walk (JSON.stringify, zod, our own mappers)
 * overflows the stack, which is a few thousand levels.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** @example throw jsonTooDeep(64, 'the CHARX card.json') // 400 {code:"json_too_deep"} */
export function jsonTooDeep(limit: number, where?: string): AppError {
  return new AppError(
    400,
    'json_too_deep',
    `The JSON${where ? ` in ${where}` : ''} nests arrays and objects more than ${limit} levels deep`,
    { limit, ...(where ? { where } : {}) },
  );
}

/**
 * The deepest nesting of arrays/objects in JSON text, found by counting brackets outside strings,
 * without parsing; it stops counting as soon as `stopAbove` is passed, so a hostile file costs
 * one pass at most. Broken JSON gives a number too (JSON.parse reports the syntax error later).
 *
 * @example jsonTextDepth('{"a":[1,"]]"]}') // 2
 */
export function jsonTextDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

/**
 * Refuses JSON text nested deeper than `max` BEFORE it is parsed, so neither JSON.parse nor any
 * later recursive walk over the value can run out of stack.
 *
 * @example
 * assertJsonTextDepth(text, MAX_JSON_DEPTH, 'the file'); // throws json_too_deep past 64 levels
 * const value = JSON.parse(text);
 */
export function assertJsonTextDepth(text: string, max = MAX_JSON_DEPTH, where?: string): void {
  if (jsonTextDepth(text, max) > max) throw jsonTooDeep(max, where);
}

/**
 * The same limit for a value that is already parsed (a decoder's input may come from a request
 * body or another decoder). Walks with an explicit stack, so it cannot overflow itself, and
 * stops at the first branch past `max`, which also ends a cyclic value.
 *
 * @example assertJsonValueDepth(request.body, MAX_JSON_DEPTH, 'the lorebook');
 */
export function assertJsonValueDepth(value: unknown, max = MAX_JSON_DEPTH, where?: string): void {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > max) throw jsonTooDeep(max, where);
    const children = Array.isArray(item.value) ? item.value : Object.values(item.value);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth });
    }
  }
}
