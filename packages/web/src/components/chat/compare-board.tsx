import clsx from 'clsx';
import { Check, CircleAlert, Combine, CornerDownRight, LoaderCircle, Square } from 'lucide-react';
import { useCallback, useEffect, useId, useState } from 'react';
import { type CompareColumn, isAnswer, mergeable, shortModelName } from '../../lib/compare';
import { formatLatency } from '../../lib/format';
import type { Model } from '../../lib/models';
import { formatCost } from '../../lib/try-it';
import { CopyButton } from '../copy-button';
import { ConsensusBody, ConsensusMenu } from './compare-consensus';
import { MessageBody } from './message-body';
import { ModelPickMenu } from './model-pick-menu';

interface CompareBoardProps {
  /** The user message the columns answer. */
  questionId: string;
  columns: CompareColumn[];
  /** The reply the conversation goes on from (the branch's). */
  activeId: string | null;
  /** Models the person can use: who may write a merge. */
  models: readonly Model[];
  /** Something is being written here or elsewhere in the conversation: no switching or merging. */
  busy: boolean;
  /** The person's name for the avatar, shown above the board. */
  avatarName: string;
  onContinue: (replyId: string) => void;
  onMerge: (questionId: string, model: string, replyIds: string[]) => void;
  /** "Find consensus…": a judge model on 3–5 finished answers (compare-consensus.tsx). */
  onConsensus: (questionId: string, model: string, replyIds: string[]) => void;
  onStop: () => void;
}

/**
 * The answers of a compare side by side: one column per model on a wide screen (as many in a
 * row as fit), tabs on a phone. Each column shows its model, whether it is still being
 * written, its text, its timings and cost, and "Continue with this one"; "Merge with…" asks a
 * chosen model for one answer from the finished ones, shown as one more column.
 */
export function CompareBoard({
  questionId,
  columns,
  activeId,
  models,
  busy,
  avatarName,
  onContinue,
  onMerge,
  onConsensus,
  onStop,
}: CompareBoardProps) {
  const [selected, setSelected] = useState<string | null>(null);
  const tabsId = useId();
  const current =
    columns.find((c) => c.id === selected) ?? columns.find((c) => c.id === activeId) ?? columns[0];
  const writing = columns.some((c) => c.status === 'streaming');
  const readable = mergeable(columns);
  const compared = columns.filter(isAnswer).length;
  // A citation's chip shows its column: the tab on a phone, scrolled to and outlined on a wide screen.
  const [flash, setFlash] = useState<string | null>(null);
  const show = useCallback(
    (replyId: string) => {
      setSelected(replyId);
      setFlash(replyId);
      requestAnimationFrame(() => {
        const panel = document.getElementById(`${tabsId}-panel-${replyId}`);
        panel?.scrollIntoView?.({ block: 'nearest', inline: 'nearest', behavior: 'smooth' });
        panel?.focus({ preventScroll: true });
      });
    },
    [tabsId],
  );
  useEffect(() => {
    if (!flash) return;
    const timer = setTimeout(() => setFlash(null), 1600);
    return () => clearTimeout(timer);
  }, [flash]);

  return (
    <section
      aria-label={`Answers from ${compared} models`}
      className="my-2 w-full self-center @min-[60rem]:w-[min(calc(100cqw-3rem),88rem)]"
      data-testid="compare-board"
    >
      <div className="mb-2 flex flex-wrap items-center gap-x-3 gap-y-2 px-1">
        <p className="min-w-0 flex-1 basis-48 text-sm text-ink-muted">
          <span className="font-semibold text-ink">{avatarName}</span> ·{' '}
          {writing ? `${compared} models answering…` : `${compared} models answered`}
        </p>
        {writing ? (
          <button type="button" className="btn-secondary h-8 px-2.5 text-xs" onClick={onStop}>
            <Square className="size-3" aria-hidden="true" />
            Stop all
          </button>
        ) : (
          <>
            <MergeMenu
              models={models}
              disabled={busy || readable.length < 2}
              count={readable.length}
              onPick={(model) =>
                onMerge(
                  questionId,
                  model,
                  readable.map((c) => c.id),
                )
              }
            />
            <ConsensusMenu
              models={models}
              disabled={busy}
              count={readable.length}
              onPick={(model) =>
                onConsensus(
                  questionId,
                  model,
                  readable.map((c) => c.id),
                )
              }
            />
          </>
        )}
      </div>

      {/* Phone: one answer at a time, chosen by tab. */}
      <div
        role="tablist"
        aria-label="Answers"
        className="mb-2 flex gap-1 overflow-x-auto rounded-xl bg-surface-sunken p-1 md:hidden"
      >
        {columns.map((column) => (
          <button
            key={column.id}
            type="button"
            role="tab"
            id={`${tabsId}-tab-${column.id}`}
            aria-selected={column.id === current?.id}
            aria-controls={`${tabsId}-panel-${column.id}`}
            className={clsx(
              'flex h-8 min-w-0 shrink-0 items-center gap-1.5 rounded-lg px-2.5 text-xs font-medium',
              column.id === current?.id
                ? 'bg-surface-raised text-ink shadow-sm dark:bg-surface'
                : 'text-ink-muted hover:text-ink',
            )}
            onClick={() => setSelected(column.id)}
          >
            <StatusDot column={column} />
            <span className="max-w-[9rem] truncate">{columnTitle(column)}</span>
            {column.id === activeId ? (
              <Check className="size-3 text-accent" aria-label="in the conversation" />
            ) : null}
          </button>
        ))}
      </div>

      {/* Wide: as many columns side by side as fit (at least 15rem each), the rest on the next row. */}
      <div className="md:grid md:grid-cols-[repeat(auto-fit,minmax(15rem,1fr))] md:gap-3">
        {columns.map((column) => (
          <article
            key={column.id}
            id={`${tabsId}-panel-${column.id}`}
            aria-labelledby={`${tabsId}-title-${column.id}`}
            data-testid="compare-column"
            data-model={column.model ?? ''}
            tabIndex={-1}
            className={clsx(
              'min-w-0 flex-col rounded-xl border bg-surface-raised outline-none transition-shadow dark:bg-surface',
              column.id === current?.id ? 'flex' : 'hidden md:flex',
              column.id === flash && 'ring-2 ring-accent',
              column.id === activeId
                ? 'border-accent/60 ring-1 ring-accent/30'
                : 'border-line dark:border-line-strong',
            )}
          >
            <header className="flex items-center gap-2 border-b border-line px-3 py-2 dark:border-line-strong">
              <StatusDot column={column} />
              <h3
                id={`${tabsId}-title-${column.id}`}
                className="min-w-0 flex-1 truncate font-mono text-xs font-semibold text-ink"
                title={column.model ?? undefined}
              >
                {columnTitle(column)}
              </h3>
              <StatusLabel column={column} />
            </header>
            <div className="min-h-24 flex-1 px-3 py-2.5 text-[15px]">
              {column.merge ? (
                <p className="mb-1.5 flex items-center gap-1 text-xs text-ink-muted">
                  <Combine className="size-3.5" aria-hidden="true" />
                  Merged from {column.merge.from.length} answers
                </p>
              ) : null}
              {column.consensus ? (
                <ConsensusBody column={column} consensus={column.consensus} columns={columns} onShow={show} />
              ) : null}
              {column.content && column.consensus ? null : column.content ? (
                <MessageBody
                  parts={[{ type: 'text', text: column.content }]}
                  content={column.content}
                  writing={column.status === 'streaming'}
                />
              ) : column.status === 'streaming' ? (
                <div className="flex flex-col gap-2 pt-1" aria-hidden="true">
                  <span className="h-3 w-4/5 animate-pulse rounded bg-surface-sunken" />
                  <span className="h-3 w-3/5 animate-pulse rounded bg-surface-sunken" />
                  <span className="h-3 w-2/3 animate-pulse rounded bg-surface-sunken" />
                </div>
              ) : column.status === 'complete' ? (
                <p className="text-ink-muted italic">(empty reply)</p>
              ) : null}
              {column.error ? (
                <p className="mt-2 flex items-start gap-1.5 rounded-lg bg-bad-soft px-2.5 py-2 text-sm text-ink">
                  <CircleAlert className="mt-0.5 size-4 shrink-0 text-bad" aria-hidden="true" />
                  <span className="min-w-0 break-words">{column.error.message}</span>
                </p>
              ) : null}
            </div>
            <footer className="flex flex-wrap items-center gap-x-3 gap-y-2 border-t border-line px-3 py-2 dark:border-line-strong">
              <ColumnFacts column={column} />
              <div className="ml-auto flex items-center gap-1">
                {column.content ? <CopyButton text={column.content} label="Copy answer" /> : null}
                {column.id === activeId ? (
                  <span className="inline-flex h-8 items-center gap-1 px-1.5 text-xs font-medium text-accent">
                    <Check className="size-3.5" aria-hidden="true" />
                    In the conversation
                  </span>
                ) : column.content.trim() === '' && column.status !== 'streaming' ? null : (
                  <button
                    type="button"
                    className="btn-secondary h-8 px-2.5 text-xs"
                    disabled={busy || column.status === 'streaming'}
                    onClick={() => onContinue(column.id)}
                    aria-label={`Continue with this one: ${columnTitle(column)}`}
                  >
                    <CornerDownRight className="size-3.5" aria-hidden="true" />
                    Continue with this one
                  </button>
                )}
              </div>
            </footer>
          </article>
        ))}
      </div>
    </section>
  );
}

const columnTitle = (column: CompareColumn) =>
  column.merge
    ? `Merge · ${shortModelName(column.model)}`
    : column.consensus
      ? `Consensus · ${shortModelName(column.model)}`
      : shortModelName(column.model);

function StatusDot({ column }: { column: CompareColumn }) {
  if (column.status === 'streaming')
    return <LoaderCircle className="size-3.5 shrink-0 animate-spin text-accent" aria-hidden="true" />;
  return (
    <span
      aria-hidden="true"
      className={clsx(
        'size-2 shrink-0 rounded-full',
        column.status === 'complete' ? 'bg-ok' : column.status === 'error' ? 'bg-bad' : 'bg-warn',
      )}
    />
  );
}

const STATUS_TEXT: Record<CompareColumn['status'], string> = {
  streaming: 'Writing…',
  complete: 'Done',
  error: 'Failed',
  cancelled: 'Stopped',
  interrupted: 'Interrupted',
};

function StatusLabel({ column }: { column: CompareColumn }) {
  return (
    <span
      className={clsx(
        'shrink-0 text-xs',
        column.status === 'error'
          ? 'text-bad'
          : column.status === 'complete'
            ? 'text-ink-subtle'
            : 'text-ink-muted',
      )}
    >
      {STATUS_TEXT[column.status]}
    </span>
  );
}

/** First token, duration, cost: what a person compares besides the text. */
function ColumnFacts({ column }: { column: CompareColumn }) {
  const facts: [string, string][] = [];
  const first = column.timings?.timeToFirstTokenMs;
  const took = column.timings?.durationMs;
  if (first !== null && first !== undefined) facts.push(['First token', formatLatency(first)]);
  if (took !== null && took !== undefined) facts.push(['Took', formatLatency(took)]);
  const cost = column.usage?.costUsd;
  if (cost !== null && cost !== undefined) facts.push(['Cost', formatCost(cost)]);
  else if (column.usage?.outputTokens) facts.push(['Tokens', `${column.usage.outputTokens} out`]);
  if (facts.length === 0) return null;
  return (
    <dl className="flex min-w-0 flex-wrap gap-x-2.5 gap-y-0.5 text-xs text-ink-muted">
      {facts.map(([label, value]) => (
        <div key={label} className="flex gap-1">
          <dt className="text-ink-subtle">{label}</dt>
          <dd className="tabular-nums">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** "Merge with…": the model that writes one answer from the finished ones. */
function MergeMenu({
  models,
  disabled,
  count,
  onPick,
}: {
  models: readonly Model[];
  disabled: boolean;
  count: number;
  onPick: (model: string) => void;
}) {
  return (
    <ModelPickMenu
      icon={Combine}
      label="Merge with…"
      title={count < 2 ? 'Two finished answers are needed to merge' : `Merge the ${count} finished answers`}
      question={`Which model writes one answer from these ${count}?`}
      models={models}
      disabled={disabled}
      onPick={onPick}
    />
  );
}
