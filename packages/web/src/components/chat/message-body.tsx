import clsx from 'clsx';
import { ChevronRight, CircleAlert, Wrench } from 'lucide-react';
import type { MessagePart } from '../../lib/chat-stream';
import { Markdown } from './markdown';
import { MessageFiles } from './message-attachments';
import { chevron, JsonBlock, ReasoningDisclosure, summaryClass, ToolCard } from './message-parts';

type ToolResult = Extract<MessagePart, { type: 'tool-result' }>;
type FilePart = Extract<MessagePart, { type: 'file' }>;

/** What a message shows, in the order its parts were written; `at`: the index of its first part. */
export type BodySegment = { at: number } & (
  | { kind: 'text'; text: string }
  | { kind: 'reasoning'; text: string }
  | { kind: 'tool'; call: Extract<MessagePart, { type: 'tool-call' }>; result: ToolResult | undefined }
  | { kind: 'result'; result: ToolResult }
  | { kind: 'file'; file: FilePart }
);

/**
 * The parts of a message as segments to show in order: neighbouring text parts (and neighbouring
 * reasoning parts) join into one; a tool call carries its result when the same message holds it,
 * so the result shows once, in its call's card; a result whose call is in another message (a
 * `tool` message) stands alone. A file shows only when it is one of ours (`/api/…`). A message
 * with no parts but some text (older data, a message not stored yet) is that text.
 * @example bodySegments([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }]) // [{ at: 0, kind: 'text', text: 'ab' }]
 */
export function bodySegments(parts: readonly MessagePart[], content = ''): BodySegment[] {
  if (parts.length === 0) return content ? [{ at: 0, kind: 'text', text: content }] : [];
  const called = new Set(parts.flatMap((part) => (part.type === 'tool-call' ? [part.toolCallId] : [])));
  const results = new Map<string, ToolResult>();
  for (const part of parts) if (part.type === 'tool-result') results.set(part.toolCallId, part);
  const segments: BodySegment[] = [];
  for (const [at, part] of parts.entries()) {
    const last = segments.at(-1);
    switch (part.type) {
      case 'text':
      case 'reasoning':
        if (last?.kind === part.type) last.text += part.text;
        else segments.push({ at, kind: part.type, text: part.text });
        break;
      case 'tool-call':
        segments.push({ at, kind: 'tool', call: part, result: results.get(part.toolCallId) });
        break;
      case 'tool-result':
        if (!called.has(part.toolCallId)) segments.push({ at, kind: 'result', result: part });
        break;
      case 'file':
        if (part.url.startsWith('/api/')) segments.push({ at, kind: 'file', file: part });
        break;
    }
  }
  return segments.filter((segment) => segment.kind !== 'text' || segment.text !== '');
}

/**
 * A stored or streaming message, part by part: text as Markdown (the last text block carries the
 * writing caret while the reply streams), reasoning folded, tools as compact cards, pictures as
 * thumbnails and other files as chips.
 */
export function MessageBody({
  parts,
  content,
  writing,
}: {
  parts: readonly MessagePart[];
  content: string;
  writing: boolean;
}) {
  const segments = bodySegments(parts, content);
  const lastText = segments.findLastIndex((segment) => segment.kind === 'text');
  return (
    <div className="flex min-w-0 flex-col gap-1.5">
      {segments.map((segment, index) => {
        // Files side by side are one group (a grid of pictures, a row of documents).
        if (segment.kind === 'file') {
          if (segments[index - 1]?.kind === 'file') return null;
          const files: FilePart[] = [];
          for (let i = index; segments[i]?.kind === 'file'; i++)
            files.push((segments[i] as { file: FilePart }).file);
          return <MessageFiles key={segment.at} files={files} />;
        }
        return (
          <Segment
            key={segment.at}
            segment={segment}
            writing={
              writing && (segment.kind === 'text' ? index === lastText : index === segments.length - 1)
            }
            replyWriting={writing}
          />
        );
      })}
    </div>
  );
}

/** One segment; `writing` when the reply is still adding to this very segment. */
function Segment({
  segment,
  writing,
  replyWriting,
}: {
  segment: BodySegment;
  writing: boolean;
  replyWriting: boolean;
}) {
  if (segment.kind === 'text')
    return (
      <div className={clsx(writing && 'chat-writing')}>
        <Markdown text={segment.text} streaming={writing} />
      </div>
    );
  if (segment.kind === 'reasoning') return <ReasoningDisclosure text={segment.text} writing={writing} />;
  // A call without its result says "running…" while the reply still streams.
  if (segment.kind === 'tool')
    return <ToolCard tool={{ call: segment.call, result: segment.result }} writing={replyWriting} />;
  if (segment.kind === 'result') return <ToolResultCard result={segment.result} />;
  // Files are drawn in groups by MessageBody.
  return null;
}

/** A tool's answer whose call is in the message before (a `tool` message). */
function ToolResultCard({ result }: { result: ToolResult }) {
  return (
    <details
      className={clsx(
        'group/part max-w-[40rem] rounded-lg border px-2.5 py-1',
        result.isError ? 'border-bad/30 bg-bad-soft' : 'border-line bg-surface-sunken/50',
      )}
      data-part="tool-result"
    >
      <summary className={summaryClass}>
        <ChevronRight className={chevron} aria-hidden="true" />
        <Wrench className="size-3.5 shrink-0" aria-hidden="true" />
        <span className="truncate font-mono text-ink">{result.toolName}</span>
        <span className="ml-auto flex shrink-0 items-center gap-1 font-normal">
          {result.isError ? <CircleAlert className="size-3 text-bad" aria-hidden="true" /> : null}
          {result.isError ? 'failed' : 'result'}
        </span>
      </summary>
      <div className="mt-1 mb-1">
        <JsonBlock label={result.isError ? 'Error' : 'Output'} value={result.output} />
      </div>
    </details>
  );
}
