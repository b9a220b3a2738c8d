/** The most text POST /api/voice/speak takes at once (docs/voice.md). */
export const SPEAK_MAX_CHARS = 2000;

/**
 * A reply's Markdown as words to say: code blocks, link targets, images and formatting marks
 * left out (nobody wants "asterisk asterisk" read aloud), cut at a sentence end to fit what the
 * speak route accepts.
 * @example speakableText('**Hi** [there](https://x.org)!') // 'Hi there!'
 */
export function speakableText(markdown: string, max = SPEAK_MAX_CHARS): string {
  const text = markdown
    .replace(/```[\s\S]*?(```|$)/g, ' (code) ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/(\*\*|__|\*|_|~~)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/<[^>]+>/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const end = Math.max(
    cut.lastIndexOf('. '),
    cut.lastIndexOf('! '),
    cut.lastIndexOf('? '),
    cut.lastIndexOf('\n'),
  );
  return (end > max / 2 ? cut.slice(0, end + 1) : cut).trim();
}
