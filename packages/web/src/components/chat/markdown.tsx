import { lazy, Suspense } from 'react';

const MarkdownRenderer = lazy(() => import('./markdown-renderer'));

/**
 * A message's text as Markdown. The renderer (react-markdown, GFM) is its own chunk; until it
 * has loaded, the text shows as it was written.
 */
export function Markdown({ text, streaming = false }: { text: string; streaming?: boolean }) {
  return (
    <Suspense fallback={<div className="whitespace-pre-wrap break-words">{text}</div>}>
      <MarkdownRenderer text={text} streaming={streaming} />
    </Suspense>
  );
}
