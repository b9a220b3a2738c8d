import { createContext, type ReactNode, useContext } from 'react';
import { CITATION_HREF } from '../../lib/compare';

/**
 * Citations of other answers inside a message's Markdown (a consensus's `[An]`, turned into
 * `#lumina-answer-n` links by `citationMarkdown`): where a provider is present, such a link is a
 * chip that shows the cited answer; without one, or for an answer it does not know, the marker
 * is plain text.
 */
export interface Citations {
  /** The cited answer's name (its model), or null when `n` names none. */
  label: (n: number) => string | null;
  show: (n: number) => void;
}

const CitationContext = createContext<Citations | null>(null);

export function CitationProvider({ value, children }: { value: Citations; children: ReactNode }) {
  return <CitationContext.Provider value={value}>{children}</CitationContext.Provider>;
}

/** The chip for `href` when it is a citation this message may make, else null. */
export function useCitation(href: string | undefined): ReactNode | null {
  const citations = useContext(CitationContext);
  if (!citations || !href?.startsWith(CITATION_HREF)) return null;
  const n = Number(href.slice(CITATION_HREF.length));
  const label = Number.isInteger(n) ? citations.label(n) : null;
  if (label === null) return null;
  return (
    <button
      type="button"
      className="inline-flex h-5 items-center rounded-md bg-accent-soft px-1.5 align-baseline font-mono text-[11px] font-semibold text-accent-soft-ink hover:bg-accent hover:text-accent-ink focus-visible:outline-2 focus-visible:outline-accent"
      title={`Show answer A${n}: ${label}`}
      aria-label={`Answer A${n}, ${label}`}
      onClick={() => citations.show(n)}
    >
      A{n}
    </button>
  );
}
