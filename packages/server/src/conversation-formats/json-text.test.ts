import { describe, expect, it } from 'vitest';
import { findJsonErrorOffset } from './json-error-offset.js';
import { parseJsonText } from './json-text.js';

describe('parseJsonText', () => {
  it('parses valid JSON', () => {
    expect(parseJsonText('{"a":[1,2,{"b":null}]}')).toEqual({ a: [1, 2, { b: null }] });
  });

  it.each([
    ['{"a": }', 1, 7],
    ['{\n  "a": 1,\n  "b": 2,,\n}', 3, 10],
    ['[1,\n2,\n3', 3, 2],
    ['{"title": "Tea"\n"x": 1}', 2, 1],
    ['{"a": "tab\there"}', 1, 11],
    ['[1] [2]', 1, 5],
  ])('names the line and column of %j', (text, line, column) => {
    expect(() => parseJsonText(text)).toThrow(
      expect.objectContaining({ code: 'conversation_file_not_json', status: 400, details: { line, column } }),
    );
  });

  it('does not echo the file back in the message', () => {
    try {
      parseJsonText('{"secret": "hunter2" oops}');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
      expect((err as Error).message).toMatch(/line 1, column 22/);
    }
  });
});

describe('findJsonErrorOffset', () => {
  it('agrees with JSON.parse on what is valid', () => {
    const samples = [
      '{}',
      '[]',
      ' {"a":1.5e-3,"b":[true,false,null],"c":"\\u00e9\\n\\"","d":{"e":[]}} ',
      '-0',
      '"x"',
      '[01]',
      '[1.]',
      '[.5]',
      '{"a":1,}',
      '[1,]',
      '{"a" 1}',
      '{a:1}',
      '"\\x"',
      '"unterminated',
      '[1}',
      '{"a":1]',
      'nul',
      '[truex]',
      '',
      '   ',
      '[1]]',
    ];
    for (const text of samples) {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      expect(findJsonErrorOffset(text) === -1, text).toBe(valid);
    }
  });

  it('survives very deep nesting without recursion', () => {
    expect(findJsonErrorOffset(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)).toBe(-1);
    expect(findJsonErrorOffset(`${'['.repeat(200_000)}`)).toBe(200_000);
  });
});
