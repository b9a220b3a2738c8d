import type { ReactNode } from 'react';
import { CopyButton } from '../copy-button';

/** A fenced code block: its language above, a copy button, and the code scrolling sideways. */
export function CodeBlock({
  code,
  language,
  children,
}: {
  code: string;
  language: string | null;
  children: ReactNode;
}) {
  return (
    <div className="md-code not-prose my-3 overflow-hidden rounded-lg border border-line bg-surface-sunken">
      <div className="flex h-9 items-center justify-between gap-2 border-b border-line pr-1 pl-3">
        <span className="font-mono text-xs text-ink-muted">{language ?? 'text'}</span>
        <CopyButton text={code} label={language ? `Copy ${language} code` : 'Copy code'} variant="button" />
      </div>
      {/* Scrollable, so it must be reachable by keyboard (axe: scrollable-region-focusable). */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region needs focus to scroll by keyboard */}
      <pre tabIndex={0} className="overflow-x-auto px-3 py-2.5 font-mono text-[13px] leading-5">
        {children}
      </pre>
    </div>
  );
}
