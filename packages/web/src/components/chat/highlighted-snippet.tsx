import type { SnippetSegment } from '../../lib/chat-search';

/** A search snippet with its matches marked. Each segment is text: the message may contain HTML. */
export function HighlightedSnippet({ segments }: { segments: readonly SnippetSegment[] }) {
  return (
    <>
      {segments.map((segment, index) =>
        segment.match ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: segments are fixed for a hit
          <mark key={index} className="rounded-sm bg-warn-soft px-0.5 font-medium text-ink">
            {segment.text}
          </mark>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: as above
          <span key={index}>{segment.text}</span>
        ),
      )}
    </>
  );
}
