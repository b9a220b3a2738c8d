import clsx from 'clsx';
import { ArrowRight, CircleAlert, CircleCheck, Clock, Copy, FileWarning } from 'lucide-react';
import { Link } from 'react-router';
import {
  type DuplicateOf,
  type ImportItem,
  importErrorMessage,
  isDuplicate,
  xmlIssues,
} from '../../lib/avatar-import';
import { formatBytes } from '../../lib/progress';
import { Spinner } from '../submit-button';
import { AvatarPicture } from './avatar-picture';

/** The person's answer to "you already have this card". */
export type DuplicateAnswer = 'replace' | 'keep-both' | 'skip';

/**
 * One row per file: waiting, uploading, imported (a link to the new avatar and any warnings),
 * already imported before (asks whether to replace that avatar or keep both), or refused (why,
 * in plain words; for Lumina XML the problems with their line numbers).
 */
export function ImportResults({
  items,
  onOpen,
  onResolveDuplicate,
}: {
  items: readonly ImportItem[];
  onOpen?: () => void;
  onResolveDuplicate?: (key: string, answer: DuplicateAnswer) => void;
}) {
  return (
    <ul className="flex flex-col gap-2" aria-label="Imported files">
      {items.map((item) => (
        <li key={item.key} className="rounded-xl border border-line bg-surface p-3">
          {item.state === 'done' && isDuplicate(item.result) ? (
            <DuplicateRow
              item={item}
              duplicateOf={item.result.duplicateOf}
              onAnswer={onResolveDuplicate && ((answer) => onResolveDuplicate(item.key, answer))}
              onOpen={onOpen}
            />
          ) : (
            <ImportRow item={item} onOpen={onOpen} />
          )}
        </li>
      ))}
    </ul>
  );
}

/** When the earlier import happened, in the person's words: "on 3 May 2026". */
function importedOn(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ''
    : ` on ${date.toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' })}`;
}

function DuplicateRow({
  item,
  duplicateOf,
  onAnswer,
  onOpen,
}: {
  item: ImportItem;
  duplicateOf: DuplicateOf;
  onAnswer: ((answer: DuplicateAnswer) => void) | undefined;
  onOpen: (() => void) | undefined;
}) {
  const name = duplicateOf.name;
  return (
    <div className="flex items-start gap-3">
      <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-warn-soft text-warn">
        <Copy className="size-5" aria-hidden="true" />
      </span>
      <div className="min-w-0 flex-1">
        <p className="text-sm font-medium text-ink">
          You already have{' '}
          <Link to={`/avatars/${duplicateOf.id}`} className="link underline" onClick={onOpen}>
            {name}
          </Link>{' '}
          from this card
        </p>
        <FileLine item={item} status={<span className="text-warn">Waiting for your choice</span>} />
        <p className="mt-1 text-sm text-ink-muted">
          It was imported{importedOn(duplicateOf.createdAt)}. <strong className="text-ink">Replace</strong>{' '}
          updates {name} from this file and keeps its conversations; changes you made to its character since
          are overwritten. <strong className="text-ink">Keep both</strong> adds a second avatar.
        </p>
        {onAnswer ? (
          <div className="mt-2 flex flex-wrap gap-2">
            <button type="button" className="btn-primary" onClick={() => onAnswer('replace')}>
              Replace {name}
            </button>
            <button type="button" className="btn-secondary" onClick={() => onAnswer('keep-both')}>
              Keep both
            </button>
            <button type="button" className="btn-ghost" onClick={() => onAnswer('skip')}>
              Skip this file
            </button>
          </div>
        ) : null}
      </div>
    </div>
  );
}

function FileLine({ item, status }: { item: ImportItem; status: React.ReactNode }) {
  return (
    <p className="flex min-w-0 items-baseline gap-2 text-xs text-ink-muted">
      <span className="truncate font-mono" title={item.fileName}>
        {item.fileName}
      </span>
      <span className="shrink-0">· {formatBytes(item.size)}</span>
      <span className="ml-auto shrink-0">{status}</span>
    </p>
  );
}

function ImportRow({ item, onOpen }: { item: ImportItem; onOpen?: (() => void) | undefined }) {
  if (item.state !== 'done') {
    return (
      <div className="flex items-center gap-3">
        <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-surface-sunken text-ink-muted">
          {item.state === 'uploading' ? <Spinner /> : <Clock className="size-4" aria-hidden="true" />}
        </span>
        <div className="min-w-0 flex-1">
          <p className="text-sm font-medium text-ink">
            {item.state === 'uploading' ? 'Importing…' : 'Waiting'}
          </p>
          <FileLine item={item} status={null} />
        </div>
      </div>
    );
  }
  const { result } = item;
  if (result.ok) {
    return (
      <div className="flex items-start gap-3">
        <AvatarPicture src={result.avatar.imageUrl} className="size-10 rounded-lg" />
        <div className="min-w-0 flex-1">
          <p className="flex items-center gap-1.5 text-sm font-medium text-ink">
            <CircleCheck className="size-4 shrink-0 text-ok" aria-hidden="true" />
            <span className="sr-only">{result.replaced ? 'Replaced: ' : 'Imported: '}</span>
            <Link to={`/avatars/${result.avatar.id}`} className="link truncate" onClick={onOpen}>
              {result.avatar.name}
            </Link>
            <ArrowRight className="size-3.5 shrink-0 text-ink-subtle" aria-hidden="true" />
          </p>
          <FileLine
            item={item}
            status={<span className="text-ok">{result.replaced ? 'Replaced' : 'Imported'}</span>}
          />
          {result.warnings.length > 0 ? (
            <div className="mt-2 rounded-lg bg-warn-soft px-3 py-2 text-[13px] text-ink">
              <p className="flex items-center gap-1.5 font-medium">
                <FileWarning className="size-3.5 shrink-0 text-warn" aria-hidden="true" />
                {result.warnings.length === 1
                  ? '1 thing to check'
                  : `${result.warnings.length} things to check`}
              </p>
              <ul className="mt-1 list-disc space-y-0.5 pl-5 text-ink-muted">
                {result.warnings.map((warning) => (
                  <li key={warning}>{warning}</li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
      </div>
    );
  }
  const issues = xmlIssues(result.error);
  const skipped = result.error.code === 'skipped';
  return (
    <div className="flex items-start gap-3">
      <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-bad-soft text-bad">
        <CircleAlert className="size-5" aria-hidden="true" />
      </span>
      <div className="min-w-0 flex-1">
        <p className="text-sm font-medium text-ink">
          <span className="sr-only">Not imported: </span>
          <span className="break-all">{result.fileName}</span>
        </p>
        <p className={clsx('mt-0.5 text-[13px]', skipped ? 'text-ink-muted' : 'text-bad')}>Not imported</p>
        <p className="mt-1 text-sm text-ink-muted">
          {skipped ? result.error.message : importErrorMessage(result.error)}
        </p>
        {issues.length > 0 ? (
          <ol
            className={clsx(
              'mt-2 max-h-48 overflow-y-auto rounded-lg border border-line bg-surface-sunken/60 font-mono text-xs',
            )}
            aria-label={`Problems in ${result.fileName}`}
          >
            {issues.map((issue) => (
              <li
                key={`${issue.line}:${issue.column}:${issue.message}`}
                className="flex gap-3 border-b border-line px-3 py-1.5 last:border-b-0"
              >
                <span className="shrink-0 text-ink-muted">
                  Line {issue.line}
                  {issue.column ? `:${issue.column}` : ''}
                </span>
                <span className="min-w-0 break-words text-ink">{issue.message}</span>
              </li>
            ))}
          </ol>
        ) : null}
      </div>
    </div>
  );
}
