import clsx from 'clsx';
import { BookOpenText } from 'lucide-react';
import { useContextUse } from '../../lib/conversation-context';

function compact(tokens: number): string {
  if (tokens >= 1_000_000) return `${+(tokens / 1_000_000).toFixed(1)}M`;
  if (tokens >= 10_000) return `${Math.round(tokens / 1000)}K`;
  if (tokens >= 1000) return `${+(tokens / 1000).toFixed(1)}K`;
  return String(tokens);
}

/**
 * How much of the model's context window the next turn uses, and "Summary in use" when older
 * turns are summarized. Shows nothing until the server can say.
 */
export function ContextIndicator({ conversationId }: { conversationId: string }) {
  const context = useContextUse(conversationId, true);
  const use = context.data;
  if (!use) return null;
  const ratio = Math.min(1, use.used / use.window);
  const tone = ratio > 0.9 ? 'bg-bad' : ratio > 0.7 ? 'bg-warn' : 'bg-accent';
  const title = `${use.used.toLocaleString('en')} of ${use.window.toLocaleString('en')} tokens${use.windowGuessed ? ' (the model’s window is unknown; a default is assumed)' : ''}${use.dropped ? `; ${use.dropped} older messages left out` : ''}`;
  return (
    <div className="flex min-w-0 items-center gap-3 text-xs text-ink-muted">
      <div className="flex items-center gap-1.5" title={title}>
        {/* biome-ignore lint/a11y/useSemanticElements: a styled bar; <meter> cannot be styled alike across browsers */}
        <span
          role="meter"
          aria-label="Context window used"
          aria-valuemin={0}
          aria-valuemax={use.window}
          aria-valuenow={use.used}
          aria-valuetext={title}
          className="relative h-1.5 w-14 overflow-hidden rounded-full bg-surface-sunken"
        >
          <span
            className={clsx('absolute inset-y-0 left-0 rounded-full', tone)}
            style={{ width: `${Math.max(3, ratio * 100)}%` }}
          />
        </span>
        <span className="tabular-nums">
          {compact(use.used)} / {compact(use.window)}
        </span>
      </div>
      {use.summary || use.summarizing ? (
        <span className="inline-flex items-center gap-1 rounded-full bg-accent-soft px-2 py-0.5 text-accent-soft-ink">
          <BookOpenText className="size-3" aria-hidden="true" />
          {use.summarizing ? 'Summarizing older turns…' : 'Summary in use'}
        </span>
      ) : null}
    </div>
  );
}
