import { describe, expect, it } from 'vitest';
import {
  compileSafeRegex,
  findBacktrackingHazard,
  MAX_REGEX_PATTERN_LENGTH,
  parseRegexKey,
  REGEX_WINDOW_CHARS,
  testRegexBounded,
} from './lorebook-regex.js';

describe('regex keys', () => {
  it('parses /pattern/flags and leaves plain keys alone', () => {
    expect(parseRegexKey('/dragons?/i')).toEqual({ pattern: 'dragons?', flags: 'i' });
    expect(parseRegexKey('/a\\/b/')).toEqual({ pattern: 'a/b', flags: '' });
    expect(parseRegexKey('dragon')).toBeNull();
    expect(parseRegexKey('/a/b/')).toBeNull();
    expect(parseRegexKey('/')).toBeNull();
    expect(parseRegexKey('and/or')).toBeNull();
  });

  it('accepts the patterns lorebooks really use', () => {
    for (const pattern of [
      '\\bdragons?\\b',
      '(?:sword|blade).*(?:fire|flame)',
      '(?:{{char}}|she) (?:talks about|mentions) (?:the )?forest',
      '\\d+ gold',
      '(?<name>Mira|Lena)',
      '[a-z]{2,5}',
      '(?:ab){2}',
    ]) {
      expect(findBacktrackingHazard(pattern), pattern).toBeNull();
    }
  });

  it('refuses patterns that backtrack catastrophically', () => {
    expect(findBacktrackingHazard('(a+)+$')).toMatch(/nested repetition/);
    expect(findBacktrackingHazard('(a|a)*b')).toMatch(/nested repetition/);
    expect(findBacktrackingHazard('(\\w+\\s?)+$')).toMatch(/nested repetition/);
    expect(findBacktrackingHazard('(a?){25}a{25}')).toMatch(/nested repetition/);
    expect(findBacktrackingHazard('((ab)*c)+')).toMatch(/nested repetition/);
    expect(findBacktrackingHazard('.*.*x')).toMatch(/more than one unbounded/);
    expect(findBacktrackingHazard('a{1,500}b+')).toMatch(/more than one unbounded/);
    expect(findBacktrackingHazard('a'.repeat(MAX_REGEX_PATTERN_LENGTH + 1))).toMatch(/longer than/);
  });

  it('does not mistake escaped or class characters for structure', () => {
    expect(findBacktrackingHazard('\\(a+\\)?')).toBeNull();
    expect(findBacktrackingHazard('\\(a+\\)+')).toMatch(/more than one unbounded/);
    expect(findBacktrackingHazard('[(|)]+x')).toBeNull();
    expect(findBacktrackingHazard('a{x}')).toBeNull();
  });

  it('compiles safe patterns, drops stateful flags and reports errors', () => {
    const compiled = compileSafeRegex('dragon', 'gyi');
    expect(compiled.ok && compiled.regex.flags).toBe('i');
    expect(compileSafeRegex('dragon(', '')).toMatchObject({ ok: false });
    expect(compileSafeRegex('(a+)+', '')).toMatchObject({ ok: false });
  });

  it('tests long subjects in overlapping windows', () => {
    const long = `${'x'.repeat(REGEX_WINDOW_CHARS * 3)}dragon${'y'.repeat(100)}`;
    expect(testRegexBounded(/dragon/, long)).toBe(true);
    expect(testRegexBounded(/unicorn/, long)).toBe(false);
    const atEdge = `${'x'.repeat(REGEX_WINDOW_CHARS - 3)}dragon`;
    expect(testRegexBounded(/dragon/, atEdge)).toBe(true);
  });

  it('hands the regex engine one window at a time, so the worst accepted pattern stays cheap', () => {
    // /a.*x/ backtracks quadratically in its subject's length: bounded windows are what keep a
    // long hostile subject cheap. A RegExp that records its subjects shows the bound without a clock.
    const subjects: number[] = [];
    class Recording extends RegExp {
      override test(subject: string): boolean {
        subjects.push(subject.length);
        return super.test(subject);
      }
    }
    expect(testRegexBounded(new Recording('a.*x'), 'a'.repeat(20_000))).toBe(false);
    expect(subjects.length).toBeGreaterThan(1);
    expect(Math.max(...subjects)).toBeLessThanOrEqual(REGEX_WINDOW_CHARS);
  });
});
