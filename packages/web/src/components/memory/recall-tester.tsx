import clsx from 'clsx';
import { BookOpen, Brain, MessageSquareText, Pin, Search } from 'lucide-react';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { formatDate } from '../../lib/format';
import {
  citation,
  KIND_LABELS,
  memoryErrorMessage,
  messageLink,
  type RecallResult,
  useRecall,
} from '../../lib/memory';
import { FormAlert } from '../form-alert';
import { inputClass } from '../form-field';
import { Skeleton } from '../skeleton';
import { Spinner } from '../submit-button';

/**
 * "Test recall": type what you might say, see what the avatar would bring to mind for it (the
 * chat's own recall path; nothing is stored or changed), best first.
 */
export function RecallTester({ avatarId, avatarName }: { avatarId: string; avatarName: string }) {
  const [text, setText] = useState('');
  const [asked, setAsked] = useState('');
  const recall = useRecall(avatarId, asked);
  const id = useId();
  return (
    <section aria-labelledby={`${id}-title`} className="card">
      <div className="px-5 pt-5 sm:px-6">
        <h2 id={`${id}-title`} className="font-semibold text-ink">
          Test recall
        </h2>
        <p className="mt-1 text-sm text-ink-muted">
          Write something you might say to {avatarName}; see what it would remember for it. Nothing is saved.
        </p>
      </div>
      <form
        className="flex gap-2 px-5 pt-4 sm:px-6"
        onSubmit={(event) => {
          event.preventDefault();
          setAsked(text.trim());
        }}
      >
        <label htmlFor={`${id}-q`} className="sr-only">
          Text to recall for
        </label>
        <input
          id={`${id}-q`}
          className={clsx(inputClass, 'flex-1')}
          placeholder="Plans for Saturday?"
          value={text}
          maxLength={2000}
          onChange={(event) => setText(event.target.value)}
          autoComplete="off"
        />
        <button type="submit" className="btn-secondary shrink-0" disabled={!text.trim()}>
          {recall.isFetching ? <Spinner /> : <Search className="size-4" aria-hidden="true" />}
          Recall
        </button>
      </form>
      <div className="px-5 py-4 sm:px-6" aria-live="polite" aria-busy={recall.isFetching || undefined}>
        {!asked ? null : recall.isError ? (
          <FormAlert>{memoryErrorMessage(recall.error)}</FormAlert>
        ) : !recall.data ? (
          <div className="flex flex-col gap-2">
            <Skeleton className="h-12 w-full" />
            <Skeleton className="h-12 w-full" />
          </div>
        ) : recall.data.length === 0 ? (
          <p className="rounded-lg bg-surface-sunken px-3 py-2.5 text-sm text-ink-muted">
            Nothing would be recalled for “{asked}”. {avatarName} would answer from the conversation alone.
          </p>
        ) : (
          <ol className="flex flex-col gap-2" aria-label={`Recalled for “${asked}”, best first`}>
            {recall.data.map((item, index) => (
              <RecallRow key={`${item.type}-${item.id}`} item={item} rank={index + 1} />
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}

function RecallRow({ item, rank }: { item: RecallResult; rank: number }) {
  const Icon = item.type === 'memory' ? Brain : item.type === 'document' ? BookOpen : MessageSquareText;
  const label =
    item.type === 'memory'
      ? item.kind
        ? KIND_LABELS[item.kind].one
        : 'Memory'
      : item.type === 'document'
        ? citation(item)
        : `Message · ${formatDate(item.createdAt)}`;
  const link =
    item.type === 'message' && item.conversationId
      ? messageLink(item.conversationId, item.id)
      : item.type === 'memory' && item.conversationId
        ? messageLink(item.conversationId, item.sourceMessageId)
        : null;
  return (
    <li className="flex gap-3 rounded-lg border border-line px-3 py-2.5">
      <span className="mt-0.5 w-5 shrink-0 text-right text-xs font-medium text-ink-subtle tabular-nums">
        {rank}
      </span>
      <div className="min-w-0 flex-1">
        <p className="line-clamp-3 text-sm break-words text-ink">{item.content}</p>
        <p className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-0.5 text-xs text-ink-muted">
          <span className="inline-flex min-w-0 items-center gap-1">
            <Icon className="size-3 shrink-0" aria-hidden="true" />
            <span className="truncate">{label}</span>
          </span>
          {item.pinned ? (
            <span className="inline-flex items-center gap-1">
              <Pin className="size-3" aria-hidden="true" />
              Pinned
            </span>
          ) : null}
          <span className="tabular-nums" title="Fused score: only comparable within this list">
            score {item.score.toFixed(3)}
          </span>
          {link ? (
            <Link to={link} className="font-medium text-accent-soft-ink hover:underline">
              Open
            </Link>
          ) : null}
        </p>
      </div>
    </li>
  );
}
