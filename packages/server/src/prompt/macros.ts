import { createSeededRandom, type RandomSource } from './seeded-random.js';

/**
 * Everything macros can read. All inputs are plain values: expansion never runs code, reads
 * the clock unless `now` is missing, or touches the network.
 */
export interface MacroContext {
  /** `{{char}}`, `<BOT>`, `<CHAR>`: the character's display name (nickname when set). */
  char: string;
  /** `{{user}}`, `<USER>`: the user's display name (preferred name when set). */
  user: string;
  /** `{{original}}`: the text a card's system prompt or post-history instructions replace. */
  original?: string;
  /** The moment `{{time}}`, `{{date}}` … describe; the current time when omitted. */
  now?: Date;
  /** IANA zone for the time macros, e.g. 'Europe/Paris'. Default UTC: the server's zone means nothing to the user. */
  timeZone?: string;
  /** BCP 47 locale for `{{time}}`, `{{date}}`, `{{weekday}}`. Default 'en-US'. */
  locale?: string;
  /** `{{idle_duration}}`: human-readable time since the user's last message. Default 'just now'. */
  idleDuration?: string;
  lastMessage?: string;
  lastUserMessage?: string;
  lastCharMessage?: string;
  /** Source for `{{random}}` and `{{roll}}`; pass a seeded one for reproducible output. Default Math.random. */
  random?: RandomSource;
  /** Keeps `{{pick}}` stable per conversation: same seed, same text → same choice. */
  pickSeed?: string | number;
  /** Extra read-only values by macro name, e.g. `{ description, personality, scenario, persona }`. */
  values?: Record<string, string>;
}

/**
 * How deep macros may nest inside each other's arguments (`{{random:{{char}},{{user}}}}` is
 * depth 2). Deeper macros are left as written. Together with inserting macro results
 * literally (a value is never scanned again), this bounds expansion to one linear walk.
 */
export const MAX_MACRO_NESTING = 8;

const MAX_REPEAT = 100;
const MAX_DICE = 100;
const MAX_SIDES = 1_000_000;
// {{trim}} removes newlines on both sides, including text produced later in the walk, so it
// leaves a marker that a final pass removes together with the surrounding newlines.
const TRIM_MARKER = '\u0000\u0001lumina-trim\u0001\u0000';

interface MacroNode {
  open: number;
  close: number;
  children: MacroNode[];
}

interface ExpansionState {
  source: string;
  context: MacroContext;
  random: RandomSource;
  now: Date;
  timeZone: string;
  locale: string;
}

/**
 * Expands SillyTavern / Character Card V3 macros. Names are case-insensitive and underscores
 * are ignored (`{{idle_duration}}` = `{{idleDuration}}`). Arguments follow `::` (`{{pick::a::b}}`),
 * a single `:` (`{{random:a,b}}`, commas escaped as `\,`) or a space (`{{roll 1d20}}`).
 * Unknown macros stay exactly as written. Supported: char, user, original, random, pick, roll,
 * time (optionally `::UTC+2`), date, weekday, isotime, isodate, idle_duration, lastMessage,
 * lastUserMessage, lastCharMessage, newline, space, trim, noop, reverse, `//` / comment /
 * hidden_key (removed), the legacy `<USER>`, `<BOT>`, `<CHAR>`, and any name in `values`.
 * @example expandMacros('{{random:Hi,Hello}}, {{user}}! I am <BOT>.', { char: 'Aria', user: 'Sam', random: () => 0 })
 * // 'Hi, Sam! I am Aria.'
 */
export function expandMacros(text: string, context: MacroContext): string {
  if (!text) return '';
  const source = text.replace(/<(user|bot|char)>/gi, (_, name: string) =>
    name.toLowerCase() === 'user' ? '{{user}}' : '{{char}}',
  );
  if (!source.includes('{{')) return source;
  const state: ExpansionState = {
    source,
    context,
    random: context.random ?? Math.random,
    now: context.now ?? new Date(),
    timeZone: validTimeZone(context.timeZone),
    locale: context.locale ?? 'en-US',
  };
  const expanded = expandSpan(state, parseMacroTree(source), 0, source.length, 0);
  return expanded.includes(TRIM_MARKER)
    ? expanded.replace(new RegExp(`(?:\\r?\\n)*${TRIM_MARKER}(?:\\r?\\n)*`, 'g'), '')
    : expanded;
}

/**
 * Pairs every `{{` with its `}}` in one linear pass (a stack), so unbalanced or hostile input
 * such as thousands of `{{` costs no more than ordinary text. In a run of braces the innermost
 * pair wins, so `{{{char}}}` becomes `{Aria}` as in SillyTavern.
 */
function parseMacroTree(source: string): MacroNode[] {
  const roots: MacroNode[] = [];
  const stack: MacroNode[] = [];
  let i = 0;
  while (i < source.length - 1) {
    const char = source[i];
    if (char !== '{' && char !== '}') {
      i++;
      continue;
    }
    let runEnd = i;
    while (source[runEnd] === char) runEnd++;
    const pairs = Math.floor((runEnd - i) / 2);
    // An odd brace stays text: before the opening pairs, after the closing ones.
    const first = char === '{' ? runEnd - pairs * 2 : i;
    for (let p = 0; p < pairs; p++) {
      const at = first + p * 2;
      if (char === '{') {
        stack.push({ open: at, close: -1, children: [] });
        continue;
      }
      const node = stack.pop();
      if (!node) break;
      node.close = at;
      const parent = stack.at(-1);
      (parent ? parent.children : roots).push(node);
    }
    i = runEnd;
  }
  // Unclosed `{{` and unmatched `}}` stay text. Everything below an unclosed `{{` on the stack
  // is unclosed too, so macros closed inside them belong at the top level.
  if (stack.length > 0) {
    for (const unclosed of stack) for (const child of unclosed.children) roots.push(child);
    roots.sort((a, b) => a.open - b.open);
  }
  return roots;
}

function expandSpan(
  state: ExpansionState,
  nodes: MacroNode[],
  from: number,
  to: number,
  depth: number,
): string {
  let out = '';
  let cursor = from;
  for (const node of nodes) {
    out += state.source.slice(cursor, node.open);
    out += expandNode(state, node, depth);
    cursor = node.close + 2;
  }
  return out + state.source.slice(cursor, to);
}

function expandNode(state: ExpansionState, node: MacroNode, depth: number): string {
  const raw = state.source.slice(node.open, node.close + 2);
  const rawInner = state.source.slice(node.open + 2, node.close);
  // Comments are dropped whole, without expanding what they contain.
  if (/^\s*(\/\/|comment\s*:|hidden_key\s*:)/i.test(rawInner)) return '';
  if (depth >= MAX_MACRO_NESTING) return raw;
  const inner = expandSpan(state, node.children, node.open + 2, node.close, depth + 1);
  return evaluateMacro(state, inner, node.open) ?? raw;
}

function evaluateMacro(state: ExpansionState, inner: string, offset: number): string | undefined {
  const legacyTime = /^\s*time_utc([+-]\d{1,2})\s*$/i.exec(inner);
  if (legacyTime) return formatTime(state, Number(legacyTime[1]));
  const match = /^\s*([A-Za-z][A-Za-z0-9_]*)/.exec(inner);
  if (!match) return undefined;
  const args = parseArguments(inner.slice(match[0].length));
  if (!args) return undefined;
  const name = match[1]!.toLowerCase().replaceAll('_', '');
  const { context } = state;
  switch (name) {
    case 'char':
    case 'bot':
      return context.char;
    case 'user':
      return context.user;
    case 'original':
      return context.original ?? '';
    case 'random':
      return chooseFrom(readList(args), state.random);
    case 'pick':
      return chooseFrom(
        readList(args),
        createSeededRandom(`${context.pickSeed ?? ''}|${state.source}|${offset}`),
      );
    case 'roll':
      return rollDice(args[0] ?? '', state.random);
    case 'time':
      return formatTime(state, parseUtcOffset(args[0]));
    case 'date':
      return format(state, { dateStyle: 'long' });
    case 'weekday':
      return format(state, { weekday: 'long' });
    case 'isotime':
      return isoParts(state).time;
    case 'isodate':
      return isoParts(state).date;
    case 'idleduration':
      return context.idleDuration ?? 'just now';
    case 'lastmessage':
      return context.lastMessage ?? '';
    case 'lastusermessage':
      return context.lastUserMessage ?? '';
    case 'lastcharmessage':
      return context.lastCharMessage ?? '';
    case 'newline':
      return '\n'.repeat(repeatCount(args[0]));
    case 'space':
      return ' '.repeat(repeatCount(args[0]));
    case 'trim':
      return TRIM_MARKER;
    case 'noop':
      return '';
    case 'reverse':
      return Array.from(args.join('::')).reverse().join('');
    default:
      return lookupValue(context.values, name);
  }
}

/** `::a::b` → [a, b]; `:a,b` → ['a,b']; ` a` → ['a']; '' → []; anything else is not a macro. */
function parseArguments(rest: string): string[] | undefined {
  if (rest.trim() === '') return [];
  if (rest.startsWith('::'))
    return rest
      .slice(2)
      .split('::')
      .map((arg) => arg.trim());
  if (rest.startsWith(':')) return [rest.slice(1).trim()];
  if (/^\s/.test(rest)) return [rest.trim()];
  return undefined;
}

// One argument holds the whole list: `::`-separated when it contains `::`, else comma-separated.
function readList(args: string[]): string[] {
  if (args.length !== 1) return args;
  const single = args[0]!;
  if (single.includes('::')) return single.split('::').map((item) => item.trim());
  return single
    .split(/(?<!\\),/)
    .map((item) => item.replaceAll('\\,', ',').trim())
    .filter((item, _, all) => item !== '' || all.length > 1);
}

function chooseFrom(list: string[], random: RandomSource): string {
  if (list.length === 0) return '';
  return list[Math.min(list.length - 1, Math.floor(random() * list.length))]!;
}

/** `6`, `d6`, `1d20`, `3d6+4`; anything else (or absurd sizes) is left as written. */
function rollDice(formula: string, random: RandomSource): string | undefined {
  const dice = /^(\d*)d(\d+)\s*([+-]\s*\d+)?$/i.exec(formula.trim());
  const plain = /^\d+$/.test(formula.trim());
  const count = plain ? 1 : Number(dice?.[1] || 1);
  const sides = plain ? Number(formula.trim()) : Number(dice?.[2]);
  if ((!plain && !dice) || count < 1 || count > MAX_DICE || sides < 1 || sides > MAX_SIDES) return undefined;
  let total = Number((dice?.[3] ?? '0').replace(/\s/g, ''));
  for (let i = 0; i < count; i++) total += 1 + Math.floor(random() * sides);
  return String(total);
}

function repeatCount(arg: string | undefined): number {
  const count = arg === undefined || arg === '' ? 1 : Number(arg);
  return Number.isInteger(count) ? Math.min(MAX_REPEAT, Math.max(0, count)) : 1;
}

function parseUtcOffset(arg: string | undefined): number | undefined {
  const match = arg ? /^UTC([+-]\d{1,2})$/i.exec(arg.trim()) : null;
  return match ? Number(match[1]) : undefined;
}

function formatTime(state: ExpansionState, utcOffsetHours: number | undefined): string {
  const options: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };
  if (utcOffsetHours === undefined) return format(state, options);
  const shifted = new Date(state.now.getTime() + utcOffsetHours * 3_600_000);
  return new Intl.DateTimeFormat(state.locale, { ...options, timeZone: 'UTC' }).format(shifted);
}

function format(state: ExpansionState, options: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(state.locale, { ...options, timeZone: state.timeZone }).format(state.now);
}

function isoParts(state: ExpansionState): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: state.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(state.now);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    date: `${part('year')}-${part('month')}-${part('day')}`,
    time: `${part('hour')}:${part('minute')}`,
  };
}

function validTimeZone(timeZone: string | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

function lookupValue(values: Record<string, string> | undefined, name: string): string | undefined {
  if (!values) return undefined;
  for (const [key, value] of Object.entries(values)) {
    if (key.toLowerCase().replaceAll('_', '') === name) return value;
  }
  return undefined;
}
