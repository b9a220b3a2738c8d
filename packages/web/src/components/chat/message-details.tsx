import type { ChatMessage } from '../../lib/conversations';
import { formatLatency } from '../../lib/format';
import { formatCost } from '../../lib/try-it';

/** "12 in · 7 out" */
function tokens(usage: ChatMessage['usage']): string | null {
  if (!usage || (usage.inputTokens === null && usage.outputTokens === null)) return null;
  return `${usage.inputTokens ?? '?'} in · ${usage.outputTokens ?? '?'} out`;
}

/**
 * A reply's model, tokens, cost, time to first token and duration: one quiet line, read in
 * full by screen readers (a description list).
 */
export function MessageDetails({ message }: { message: ChatMessage }) {
  if (message.role !== 'assistant') return null;
  const items: [string, string][] = [];
  if (message.model) items.push(['Model', message.model]);
  const used = tokens(message.usage);
  if (used) items.push(['Tokens', used]);
  if (message.usage?.costUsd !== null && message.usage?.costUsd !== undefined)
    items.push(['Cost', formatCost(message.usage.costUsd)]);
  if (message.timings?.timeToFirstTokenMs !== null && message.timings?.timeToFirstTokenMs !== undefined)
    items.push(['First token', formatLatency(message.timings.timeToFirstTokenMs)]);
  if (message.timings?.durationMs !== null && message.timings?.durationMs !== undefined)
    items.push(['Took', formatLatency(message.timings.durationMs)]);
  if (items.length === 0) return null;
  return (
    <dl className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-0.5 text-xs text-ink-muted">
      {items.map(([label, value]) => (
        <div key={label} className="flex min-w-0 gap-1">
          <dt className="text-ink-subtle">{label}</dt>
          <dd className={label === 'Model' ? 'truncate font-mono text-[11px] leading-4' : 'tabular-nums'}>
            {value}
          </dd>
        </div>
      ))}
    </dl>
  );
}
