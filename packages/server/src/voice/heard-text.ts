/** One synthesized stretch of a reply: characters [startChar, endChar) took audio [startMs, endMs). */
export interface SpokenSegment {
  startChar: number;
  endChar: number;
  startMs: number;
  endMs: number;
}

/**
 * What the user heard of a reply, from how much of its audio was played (`playedMs`, from the
 * client) and where each synthesized sentence's audio began and ended: whole sentences played,
 * then the share of the sentence playing when it stopped, proportional to its duration and cut
 * back to the last whole word. '' when nothing was heard.
 * @example heardText('Hello there. How are you?', [{startChar:0,endChar:12,startMs:0,endMs:800}, …], 1000)
 */
export function heardText(text: string, segments: readonly SpokenSegment[], playedMs: number): string {
  let cut = 0;
  for (const segment of segments) {
    if (playedMs >= segment.endMs) {
      cut = Math.max(cut, segment.endChar);
      continue;
    }
    if (playedMs > segment.startMs) {
      const share = (playedMs - segment.startMs) / (segment.endMs - segment.startMs);
      const at = segment.startChar + Math.floor(share * (segment.endChar - segment.startChar));
      // Back to the end of the last whole word heard.
      const partial = text.slice(segment.startChar, at);
      const wholeWords = /\s/.test(text[at] ?? ' ') ? partial : partial.replace(/\S*$/, '');
      cut = Math.max(cut, segment.startChar + wholeWords.length);
    }
    break;
  }
  return text.slice(0, cut).trimEnd();
}
