/**
 * Regular expressions written by card authors run against chat text on every turn, so a
 * pattern like `(a+)+$` must not be able to hang the server. JavaScript cannot interrupt a
 * running RegExp.test without moving it to a worker or a vm context with a timeout, which costs
 * a round trip per key per turn and makes the outcome depend on machine load. Instead patterns
 * are checked before use and subjects are bounded, so the worst case is known in advance:
 *
 * - a pattern may contain at most one unbounded quantifier (`*`, `+`, `{n,}`, `{n,m}` with
 *   m > 100): two overlapping ones (`.*.*x`) already cost O(n³), over a second on 2,000 chars;
 * - a repeated group may not contain a quantifier or an alternation (`(a+)+`, `(a|a)*`,
 *   `(\w+\s?)+`): these backtrack exponentially;
 * - patterns are at most {@link MAX_REGEX_PATTERN_LENGTH} characters;
 * - the subject is tested in windows of {@link REGEX_WINDOW_CHARS} characters (overlapping by
 *   {@link REGEX_WINDOW_OVERLAP}), at most {@link MAX_REGEX_SUBJECT_CHARS} per message, so a
 *   single-quantifier pattern costs at most a few milliseconds per window.
 *
 * The cost of this choice: a few legitimate patterns are refused (with a warning naming the
 * rule), matches longer than the overlap can be missed at a window edge, and `^`/`$` also match
 * at window edges. Real lorebook keys (`/\bdragons?\b/i`, `/(?:sword|blade).*fire/i`) pass.
 */
export const MAX_REGEX_PATTERN_LENGTH = 300;
export const REGEX_WINDOW_CHARS = 2_000;
export const REGEX_WINDOW_OVERLAP = 200;
export const MAX_REGEX_SUBJECT_CHARS = 20_000;

const LARGE_REPEAT = 100;

export type SafeRegexResult = { ok: true; regex: RegExp } | { ok: false; error: string };

/**
 * Reads a key written as `/pattern/flags` (SillyTavern's syntax); null when the key is plain
 * text, including when it contains an unescaped `/` inside.
 * @example parseRegexKey('/dragons?/i') // { pattern: 'dragons?', flags: 'i' }
 */
export function parseRegexKey(key: string): { pattern: string; flags: string } | null {
  const match = /^\/([\s\S]+?)\/([dgimsuvy]*)$/.exec(key.trim());
  if (!match) return null;
  const [, pattern, flags] = match as unknown as [string, string, string];
  if (/(^|[^\\])\//.test(pattern)) return null;
  return { pattern: pattern.replaceAll('\\/', '/'), flags };
}

/**
 * Compiles an author's pattern if it is valid and passes the backtracking rules above. Flags
 * that make `test` stateful (`g`, `y`) or only add cost (`d`) are dropped.
 * @example compileSafeRegex('dragons?', 'i') // { ok: true, regex: /dragons?/i }
 * @example compileSafeRegex('(a+)+$', '') // { ok: false, error: 'a repeated group contains …' }
 */
export function compileSafeRegex(pattern: string, flags: string): SafeRegexResult {
  const hazard = findBacktrackingHazard(pattern);
  if (hazard) return { ok: false, error: hazard };
  try {
    const safeFlags = [...new Set(flags.replace(/[dgy]/g, ''))].join('');
    return { ok: true, regex: new RegExp(pattern, safeFlags) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Tests a compiled pattern against a subject within the bounded windows described above.
 * @example testRegexBounded(/dragon/i, 'A Dragon!') // true
 */
export function testRegexBounded(regex: RegExp, subject: string): boolean {
  const text = subject.length > MAX_REGEX_SUBJECT_CHARS ? subject.slice(0, MAX_REGEX_SUBJECT_CHARS) : subject;
  if (text.length <= REGEX_WINDOW_CHARS) return regex.test(text);
  for (let start = 0; start < text.length; start += REGEX_WINDOW_CHARS - REGEX_WINDOW_OVERLAP) {
    if (regex.test(text.slice(start, start + REGEX_WINDOW_CHARS))) return true;
    if (start + REGEX_WINDOW_CHARS >= text.length) break;
  }
  return false;
}

interface GroupFrame {
  repeats: boolean;
  alternates: boolean;
}

/**
 * Why a pattern could backtrack catastrophically, or null when it follows the rules. A light
 * tokenizer: escapes, character classes, groups, alternation and quantifiers; anything it
 * misreads is still compiled by RegExp afterwards, so it can only be too strict, never unsafe
 * by accepting invalid syntax.
 * @example findBacktrackingHazard('(a+)+$') // 'a repeated group contains a quantifier or alternation (nested repetition)'
 */
export function findBacktrackingHazard(pattern: string): string | null {
  if (pattern.length > MAX_REGEX_PATTERN_LENGTH)
    return `pattern is longer than ${MAX_REGEX_PATTERN_LENGTH} characters`;
  const stack: GroupFrame[] = [{ repeats: false, alternates: false }];
  let lastGroup: GroupFrame | null = null;
  let unbounded = 0;
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i]!;
    const current = stack.at(-1)!;
    if (char === '\\') {
      lastGroup = null;
      i += 2;
    } else if (char === '[') {
      lastGroup = null;
      i = skipCharacterClass(pattern, i);
    } else if (char === '(') {
      stack.push({ repeats: false, alternates: false });
      lastGroup = null;
      i += /^\(\?(?:[:=!]|<[=!]|<[^>]*>)/.exec(pattern.slice(i))?.[0].length ?? 1;
    } else if (char === ')') {
      const closed = stack.length > 1 ? stack.pop()! : current;
      const parent = stack.at(-1)!;
      parent.repeats ||= closed.repeats;
      parent.alternates ||= closed.alternates;
      lastGroup = closed;
      i++;
    } else if (char === '|') {
      current.alternates = true;
      lastGroup = null;
      i++;
    } else {
      const quantifier = readQuantifier(pattern, i);
      if (!quantifier) {
        lastGroup = null;
        i++;
        continue;
      }
      if (lastGroup && quantifier.max > 1 && (lastGroup.repeats || lastGroup.alternates)) {
        return 'a repeated group contains a quantifier or alternation (nested repetition)';
      }
      if (quantifier.max > LARGE_REPEAT && ++unbounded > 1) return 'more than one unbounded quantifier';
      current.repeats = true;
      lastGroup = null;
      i += quantifier.length;
    }
  }
  return null;
}

function skipCharacterClass(pattern: string, start: number): number {
  let i = start + 1;
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
  return i + 1;
}

function readQuantifier(pattern: string, at: number): { length: number; max: number } | null {
  const char = pattern[at];
  let length = 1;
  let max: number;
  if (char === '*' || char === '+') max = Number.POSITIVE_INFINITY;
  else if (char === '?') max = 1;
  else if (char === '{') {
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at));
    if (!braces) return null;
    length = braces[0].length;
    max =
      braces[2] === undefined ? Number(braces[1]) : braces[3] ? Number(braces[3]) : Number.POSITIVE_INFINITY;
  } else return null;
  if (pattern[at + length] === '?') length++;
  return { length, max };
}
