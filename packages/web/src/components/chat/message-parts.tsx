import clsx from 'clsx';
import { Brain, ChevronRight, CircleAlert, LoaderCircle, Wrench } from 'lucide-react';
import type { MessagePart } from '../../lib/chat-stream';

/** Pieces message-body.tsx draws a message's parts with: folded reasoning, tool cards, JSON. */
type ToolCall = Extract<MessagePart, { type: 'tool-call' }>;
type ToolResult = Extract<MessagePart, { type: 'tool-result' }>;

/** A tool call with its result, once one arrived. */
export interface ToolUse {
  call: ToolCall;
  result: ToolResult | undefined;
}

export const summaryClass =
  'flex cursor-pointer list-none items-center gap-1.5 rounded-md py-0.5 text-xs font-medium text-ink-muted hover:text-ink [&::-webkit-details-marker]:hidden';
export const chevron = 'size-3.5 shrink-0 transition-transform group-open/part:rotate-90';

export function ReasoningDisclosure({ text, writing }: { text: string; writing: boolean }) {
  return (
    <details className="group/part" data-part="reasoning">
      <summary className={summaryClass}>
        <ChevronRight className={chevron} aria-hidden="true" />
        <Brain className="size-3.5 shrink-0" aria-hidden="true" />
        {writing ? 'Reasoning…' : 'Reasoning'}
      </summary>
      <p className="mt-1 border-l-2 border-line pl-3 text-sm whitespace-pre-wrap break-words text-ink-muted">
        {text}
      </p>
    </details>
  );
}

export function ToolCard({ tool, writing }: { tool: ToolUse; writing: boolean }) {
  const { call, result } = tool;
  const failed = result?.isError ?? false;
  const state = result ? (failed ? 'failed' : 'done') : writing ? 'running…' : 'no result';
  return (
    <details
      className={clsx(
        'group/part max-w-[40rem] rounded-lg border px-2.5 py-1',
        failed ? 'border-bad/30 bg-bad-soft' : 'border-line bg-surface-sunken/50',
      )}
      data-part="tool"
    >
      <summary className={summaryClass}>
        <ChevronRight className={chevron} aria-hidden="true" />
        <Wrench className="size-3.5 shrink-0" aria-hidden="true" />
        <span className="truncate font-mono text-ink">{call.toolName}</span>
        <span className="ml-auto flex shrink-0 items-center gap-1 font-normal">
          {result ? null : writing ? (
            <LoaderCircle className="size-3 animate-spin" aria-hidden="true" />
          ) : null}
          {failed ? <CircleAlert className="size-3 text-bad" aria-hidden="true" /> : null}
          {state}
        </span>
      </summary>
      <div className="mt-1 mb-1 flex flex-col gap-1.5">
        <JsonBlock label="Input" value={call.input} />
        {result ? <JsonBlock label={failed ? 'Error' : 'Output'} value={result.output} /> : null}
      </div>
    </details>
  );
}

export function JsonBlock({ label, value }: { label: string; value: unknown }) {
  return (
    <div>
      <p className="text-[11px] font-medium tracking-wide text-ink-subtle uppercase">{label}</p>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region needs focus to scroll by keyboard */}
      <pre tabIndex={0} className="max-h-60 overflow-auto font-mono text-xs leading-5 text-ink">
        {formatJson(value)}
      </pre>
    </div>
  );
}

/** Pretty JSON; `undefined` (a tool without input) and unserializable values as words. */
export function formatJson(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
