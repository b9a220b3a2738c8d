import { Scale } from 'lucide-react';
import { useMemo } from 'react';
import {
  CONSENSUS_MAX_ANSWERS,
  CONSENSUS_MIN_ANSWERS,
  type CompareColumn,
  citationMarkdown,
  shortModelName,
} from '../../lib/compare';
import type { Model } from '../../lib/models';
import { CitationProvider, type Citations } from './citations';
import { MessageBody } from './message-body';
import { ModelPickMenu } from './model-pick-menu';

/**
 * Consensus on the compare board (docs/conversations.md "Compare"): "Find consensus…" asks a judge
 * model about the finished answers; its column names the answers it read (A1…An) and its text
 * cites them as chips that show the cited column.
 */

/** Why "Find consensus…" cannot run now, or null when it can. */
export function consensusBlocked(count: number): string | null {
  if (count < CONSENSUS_MIN_ANSWERS) return `A consensus needs ${CONSENSUS_MIN_ANSWERS} finished answers`;
  if (count > CONSENSUS_MAX_ANSWERS) return `A consensus reads at most ${CONSENSUS_MAX_ANSWERS} answers`;
  return null;
}

/** "Find consensus…": the judge model for the finished answers. */
export function ConsensusMenu({
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
  const blocked = consensusBlocked(count);
  return (
    <ModelPickMenu
      icon={Scale}
      label="Find consensus…"
      title={blocked ?? `A judge model writes what the ${count} answers agree on and where they differ`}
      question={`Which model judges these ${count} answers?`}
      models={models}
      disabled={disabled || blocked !== null}
      onPick={onPick}
    />
  );
}

/**
 * A consensus column's body: the answers it judged as A1…An chips, then its text with each
 * citation `[An]` of one of them as a chip (an invented marker stays plain text).
 */
export function ConsensusBody({
  column,
  consensus,
  columns,
  onShow,
}: {
  column: CompareColumn;
  consensus: NonNullable<CompareColumn['consensus']>;
  columns: readonly CompareColumn[];
  /** Shows the column of the cited reply. */
  onShow: (replyId: string) => void;
}) {
  const cited = useMemo(
    () => consensus.from.map((id) => columns.find((c) => c.id === id) ?? null),
    [consensus.from, columns],
  );
  const citations = useMemo<Citations>(
    () => ({
      label: (n) => {
        const target = cited[n - 1];
        return target ? shortModelName(target.model) : null;
      },
      show: (n) => {
        const target = cited[n - 1];
        if (target) onShow(target.id);
      },
    }),
    [cited, onShow],
  );
  const text = useMemo(() => citationMarkdown(column.content, cited.length), [column.content, cited.length]);
  return (
    <>
      <div className="mb-2 flex flex-wrap items-center gap-1 text-xs text-ink-muted">
        <Scale className="size-3.5" aria-hidden="true" />
        <span className="mr-0.5">Judged {cited.length} answers:</span>
        {cited.map((target, i) =>
          target ? (
            <button
              // biome-ignore lint/suspicious/noArrayIndexKey: the place is the marker's number
              key={i}
              type="button"
              className="inline-flex h-6 max-w-[12rem] items-center gap-1 rounded-md border border-line px-1.5 hover:border-accent hover:text-ink dark:border-line-strong"
              title={target.model ?? undefined}
              onClick={() => onShow(target.id)}
            >
              <span className="font-mono font-semibold text-accent-soft-ink">A{i + 1}</span>
              <span className="truncate">{shortModelName(target.model)}</span>
            </button>
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: the place is the marker's number
            <span key={i} className="px-1 font-mono">
              A{i + 1} (gone)
            </span>
          ),
        )}
      </div>
      {column.content ? (
        <CitationProvider value={citations}>
          <MessageBody
            parts={[{ type: 'text', text }]}
            content={text}
            writing={column.status === 'streaming'}
          />
        </CitationProvider>
      ) : null}
    </>
  );
}
