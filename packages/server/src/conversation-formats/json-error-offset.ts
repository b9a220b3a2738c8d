const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

type Expect = 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'colon' | 'commaOrEnd' | 'done';

/**
 * The offset of the first JSON syntax error in `text`, or -1 when it is valid. JSON.parse on
 * Node 20 often says only "Unexpected token" without where; this finds the place (iteratively, so
 * deep nesting cannot overflow the stack) and is only run after a parse has failed.
 *
 * @example findJsonErrorOffset('{"a": }') // 6
 */
export function findJsonErrorOffset(text: string): number {
  const open: string[] = [];
  const state: { expect: Expect } = { expect: 'value' };
  let i = 0;
  const afterValue = () => {
    state.expect = open.length === 0 ? 'done' : 'commaOrEnd';
  };
  while (true) {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
    if (i >= text.length) return state.expect === 'done' ? -1 : text.length;
    const c = text[i]!;
    if (state.expect === 'done') return i;
    if (state.expect === 'colon') {
      if (c !== ':') return i;
      i++;
      state.expect = 'value';
      continue;
    }
    if (state.expect === 'commaOrEnd') {
      if (c === ',') {
        i++;
        state.expect = open.at(-1) === '{' ? 'key' : 'value';
        continue;
      }
      if ((c === '}' && open.at(-1) === '{') || (c === ']' && open.at(-1) === '[')) {
        i++;
        open.pop();
        afterValue();
        continue;
      }
      return i;
    }
    if ((state.expect === 'keyOrEnd' && c === '}') || (state.expect === 'valueOrEnd' && c === ']')) {
      i++;
      open.pop();
      afterValue();
      continue;
    }
    if (state.expect === 'key' || state.expect === 'keyOrEnd') {
      if (c !== '"') return i;
      const end = stringEnd(text, i);
      if (end < 0) return -end;
      i = end;
      state.expect = 'colon';
      continue;
    }
    // A value.
    if (c === '{' || c === '[') {
      open.push(c);
      i++;
      state.expect = c === '{' ? 'keyOrEnd' : 'valueOrEnd';
      continue;
    }
    if (c === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return -end;
      i = end;
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return i;
      i = NUMBER.lastIndex;
    }
    afterValue();
  }
}

/** The offset after the closing quote of the string at `start`, or minus the error offset. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return -i;
    if (code === 0x5c) {
      ESCAPE.lastIndex = i;
      if (!ESCAPE.test(text)) return -i;
      i = ESCAPE.lastIndex;
    } else i++;
  }
  return -text.length;
}
