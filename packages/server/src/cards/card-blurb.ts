/**
 * The one-line gallery description of an imported card, made without a model: a card's
 * `description` is the character definition written for the model (often PList `[Name's
 * Personality= "kind", …]`, W++ `[character("Name") { Mind("kind") }]` or example dialogue),
 * which reads badly as a blurb. The card's `creator_notes` are written for people, so their first
 * sentence is used; without notes, the first readable sentence of the definition; else nothing.
 */

/** The longest blurb, in characters (a gallery card shows two or three lines). */
export const MAX_BLURB_LENGTH = 200;

/** Words whose trailing period does not end a sentence. */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'jr',
  'sr',
  'prof',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'no',
]);

/**
 * The gallery blurb for a card: the first sentence of its creator notes, else the first readable
 * sentence of its definition with bracket, W++ and PList syntax and example dialogue removed;
 * `''` when neither has readable text. `{{char}}` becomes the name. Same input, same output.
 * @example cardBlurb({ name: 'Ari', creatorNotes: '', definition: '[Ari= "calm"]\n{{char}} keeps a lighthouse. She is alone.' })
 * // 'Ari keeps a lighthouse.'
 */
export function cardBlurb(card: { name: string; creatorNotes?: string; definition?: string }): string {
  const fromNotes = firstSentence(readableText(card.creatorNotes ?? '', card.name));
  if (fromNotes) return fromNotes;
  return firstSentence(readableText(stripDefinitionSyntax(card.definition ?? ''), card.name));
}

/** Markup removed: HTML tags and entities, Markdown images, links, emphasis, headings, quotes, code. */
function readableText(text: string, name: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|li|h[1-6])\s*>/gi, '\n')
    .replace(/<[^>\n]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\((?:[^)]*)\)/g, '$1')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\{\{char\}\}/gi, name)
    .replace(/\{\{user\}\}/gi, 'you')
    .replace(/\{\{[^}]*\}\}/g, ' ')
    .replace(/^[ \t]*(#{1,6}|>+|[-*+]|\d+\.)[ \t]+/gm, '')
    .replace(/(\*\*|__|~~|`+)/g, '')
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,!?:;]|$)/g, '$1$2');
}

/**
 * The prose left of a character definition: text after the first `<START>` is example dialogue,
 * `[…]` and `{…}` blocks (PList, W++, Ali:Chat headers) are data, and `Name:` lines are dialogue.
 */
function stripDefinitionSyntax(definition: string): string {
  let text = definition.split(/<START>/i)[0] ?? '';
  let previous: string;
  do {
    previous = text;
    text = text.replace(/\[[^[\]]*\]/g, ' ').replace(/\{(?!\{)[^{}]*\}(?!\})/g, ' ');
  } while (text !== previous);
  return text
    .split(/\r?\n/)
    .filter((line) => !/^\s*(\{\{(user|char)\}\}|[\p{L}\p{N} _'-]{1,40}):\s/iu.test(line))
    .filter((line) => !/[[\]{}=]|\w\(/.test(line.replace(/\{\{[^{}]*\}\}/g, '')))
    .join('\n');
}

/** The first sentence of the first line with at least three letters, bounded to MAX_BLURB_LENGTH. */
function firstSentence(text: string): string {
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/\s+/g, ' ').trim();
    if ((line.match(/\p{L}/gu) ?? []).length < 3) continue;
    return bound(sentenceOf(line));
  }
  return '';
}

function sentenceOf(line: string): string {
  // Characters above U+00FF as \u escapes: one in the server bundle makes V8 hold the whole chunk's
  // source as a two-byte string (scripts/bundle-server.mjs).
  const end = /[.!?\u2026\u3002\uFF01\uFF1F]+["'\u201D\u2019)]*(?=\s|$)/g;
  for (let match = end.exec(line); match; match = end.exec(line)) {
    const before = line.slice(0, match.index).split(' ').pop() ?? '';
    if (match[0] === '.' && (ABBREVIATIONS.has(before.toLowerCase()) || /^\p{L}$/u.test(before))) continue;
    return line.slice(0, match.index + match[0].length);
  }
  return line;
}

function bound(sentence: string): string {
  if (sentence.length <= MAX_BLURB_LENGTH) return sentence;
  const cut = sentence.slice(0, MAX_BLURB_LENGTH - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_BLURB_LENGTH / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:\u2013-]+$/, '')}…`;
}
