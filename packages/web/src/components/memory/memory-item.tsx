import clsx from 'clsx';
import { History, MessageSquareText, Pencil, Pin, PinOff, Trash2, Users } from 'lucide-react';
import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { formatDate, formatDateTime, formatRelativeTime } from '../../lib/format';
import {
  IMPORTANCE_LEVELS,
  importanceLevel,
  type Memory,
  type MemoryKind,
  type MemoryPatch,
  memorySourceLink,
  originLabel,
  useMemoryHistory,
} from '../../lib/memory';
import { selectClass, textareaClass } from '../avatars/fields';
import { FormAlert } from '../form-alert';
import { Skeleton } from '../skeleton';
import { SubmitButton } from '../submit-button';
import { MemoryKindSelect } from './memory-kind-select';

/** The server's limit of one memory's text (MEMORY_LIMITS.contentChars). */
export const MEMORY_CONTENT_MAX = 500;

/**
 * One memory: its sentence, when and how it was learned, a link to where it was said, and the
 * actions (edit in place, pin, history, delete). A replaced one reads as history (struck out
 * lightly, with the date it stopped holding).
 */
export function MemoryItem({
  memory,
  saving,
  saveError,
  onSave,
  onDelete,
}: {
  memory: Memory;
  saving: boolean;
  saveError: string | null;
  onSave: (patch: MemoryPatch, done: () => void) => void;
  onDelete: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const source = memorySourceLink(memory);
  const historyId = useId();

  return (
    <li
      className={clsx(
        'group/memory relative flex flex-col gap-2 px-4 py-3.5 sm:px-5',
        !memory.current && 'bg-surface-sunken/40',
      )}
      aria-label={memory.content}
    >
      {editing ? (
        <MemoryEditor
          memory={memory}
          saving={saving}
          error={saveError}
          onCancel={() => setEditing(false)}
          onSave={(patch) => onSave(patch, () => setEditing(false))}
        />
      ) : (
        <>
          <div className="flex items-start gap-3">
            <p
              className={clsx(
                'min-w-0 flex-1 text-[15px] leading-6 break-words',
                memory.current ? 'text-ink' : 'text-ink-muted line-through decoration-ink-subtle/60',
              )}
            >
              {memory.pinned ? (
                <Pin className="mr-1.5 -mt-0.5 inline size-3.5 rotate-45 text-accent" aria-label="Pinned" />
              ) : null}
              {memory.content}
            </p>
            {memory.current ? (
              <div className="-mt-1 -mr-2 flex shrink-0 items-center gap-0.5 [@media(hover:hover)]:opacity-0 [@media(hover:hover)]:group-hover/memory:opacity-100 [@media(hover:hover)]:group-focus-within/memory:opacity-100">
                <button
                  type="button"
                  className="icon-btn size-8"
                  aria-label={memory.pinned ? 'Unpin' : 'Pin'}
                  title={memory.pinned ? 'Unpin: recalled only when relevant' : 'Pin: always in mind'}
                  aria-pressed={memory.pinned}
                  disabled={saving}
                  onClick={() => onSave({ pinned: !memory.pinned }, () => undefined)}
                >
                  {memory.pinned ? (
                    <PinOff className="size-4" aria-hidden="true" />
                  ) : (
                    <Pin className="size-4" aria-hidden="true" />
                  )}
                </button>
                <button
                  type="button"
                  className="icon-btn size-8"
                  aria-label="Edit"
                  title="Edit"
                  onClick={() => setEditing(true)}
                >
                  <Pencil className="size-4" aria-hidden="true" />
                </button>
                <button
                  type="button"
                  className="icon-btn size-8 hover:text-bad"
                  aria-label="Delete"
                  title="Delete: it is forgotten at once"
                  onClick={onDelete}
                >
                  <Trash2 className="size-4" aria-hidden="true" />
                </button>
              </div>
            ) : null}
          </div>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-ink-muted">
            <span title={formatDateTime(memory.validFrom)}>
              {originLabel(memory.origin)} · {formatRelativeTime(memory.validFrom)}
            </span>
            {memory.current ? null : (
              <span className="font-medium text-warn">
                {memory.supersededBy ? 'Replaced' : 'Forgotten'}
                {memory.validTo ? ` ${formatDate(memory.validTo)}` : ''}
              </span>
            )}
            {memory.avatarId === null ? (
              <span
                className="inline-flex items-center gap-1"
                title="Shared by your avatars with shared memory"
              >
                <Users className="size-3" aria-hidden="true" />
                Shared
              </span>
            ) : null}
            {memory.importance >= 0.8 ? <span>Important</span> : null}
            {source ? (
              <Link
                to={source}
                className="inline-flex items-center gap-1 font-medium text-accent-soft-ink hover:underline"
              >
                <MessageSquareText className="size-3" aria-hidden="true" />
                Where it was said
              </Link>
            ) : null}
            <button
              type="button"
              className="inline-flex items-center gap-1 font-medium text-ink-muted hover:text-ink"
              aria-expanded={showHistory}
              aria-controls={historyId}
              onClick={() => setShowHistory((open) => !open)}
            >
              <History className="size-3" aria-hidden="true" />
              {showHistory ? 'Hide history' : 'History'}
            </button>
          </div>
          {showHistory ? (
            <div id={historyId}>
              <MemoryHistory id={memory.id} />
            </div>
          ) : null}
        </>
      )}
    </li>
  );
}

/** The versions of a memory, oldest first, with the dates each held. */
function MemoryHistory({ id }: { id: string }) {
  const history = useMemoryHistory(id);
  if (history.isPending)
    return (
      <div className="flex flex-col gap-2 rounded-lg border border-line p-3" aria-busy="true">
        <Skeleton className="h-4 w-3/4" />
        <Skeleton className="h-4 w-1/2" />
        <span className="sr-only">Loading the history…</span>
      </div>
    );
  if (history.isError)
    return (
      <p className="text-sm text-bad">
        The history couldn’t be loaded.{' '}
        <button type="button" className="font-medium underline" onClick={() => history.refetch()}>
          Try again
        </button>
      </p>
    );
  const versions = history.data;
  if (versions.length <= 1)
    return (
      <p className="rounded-lg bg-surface-sunken px-3 py-2 text-[13px] text-ink-muted">
        No earlier versions: it hasn’t been corrected since it was learned.
      </p>
    );
  return (
    <ol className="flex flex-col gap-0 rounded-lg border border-line" aria-label="Versions, oldest first">
      {versions.map((version, index) => (
        <li
          key={version.id}
          className={clsx('flex flex-col gap-0.5 px-3 py-2', index > 0 && 'border-t border-line')}
        >
          <p className={clsx('text-sm', version.current ? 'text-ink' : 'text-ink-muted')}>
            {version.content}
          </p>
          <p className="text-xs text-ink-subtle">
            {formatDate(version.validFrom)} – {version.validTo ? formatDate(version.validTo) : 'now'}
            {version.current ? ' · current' : ''}
          </p>
        </li>
      ))}
    </ol>
  );
}

/** Edit in place: the sentence, its kind and how important it is. Escape cancels, Ctrl+Enter saves. */
function MemoryEditor({
  memory,
  saving,
  error,
  onCancel,
  onSave,
}: {
  memory: Memory;
  saving: boolean;
  error: string | null;
  onCancel: () => void;
  onSave: (patch: MemoryPatch) => void;
}) {
  const [content, setContent] = useState(memory.content);
  const [kind, setKind] = useState<MemoryKind>(memory.kind);
  const [importance, setImportance] = useState<number>(importanceLevel(memory.importance).value);
  const box = useRef<HTMLTextAreaElement>(null);
  const ids = useId();
  useEffect(() => {
    const el = box.current;
    el?.focus();
    el?.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const trimmed = content.trim();
  const submit = () => {
    if (!trimmed) return;
    const patch: MemoryPatch = {};
    if (trimmed !== memory.content) patch.content = trimmed;
    if (kind !== memory.kind) patch.kind = kind;
    if (importance !== importanceLevel(memory.importance).value) patch.importance = importance;
    if (Object.keys(patch).length === 0) onCancel();
    else onSave(patch);
  };
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onCancel();
        }
      }}
    >
      <label htmlFor={`${ids}-text`} className="sr-only">
        Memory
      </label>
      <textarea
        id={`${ids}-text`}
        ref={box}
        rows={2}
        maxLength={MEMORY_CONTENT_MAX}
        className={textareaClass}
        value={content}
        onChange={(event) => setContent(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            submit();
          }
        }}
      />
      <div className="flex flex-wrap items-end gap-3">
        <MemoryKindSelect value={kind} onChange={setKind} />
        <label className="flex flex-col gap-1 text-xs font-medium text-ink-muted">
          Importance
          <select
            className={clsx(selectClass, 'h-9 w-28 text-sm')}
            value={importance}
            onChange={(event) => setImportance(Number(event.target.value))}
          >
            {IMPORTANCE_LEVELS.map((level) => (
              <option key={level.value} value={level.value}>
                {level.label}
              </option>
            ))}
          </select>
        </label>
        <div className="ml-auto flex items-center gap-2">
          <button type="button" className="btn-ghost h-9" onClick={onCancel} disabled={saving}>
            Cancel
          </button>
          <SubmitButton pending={saving} pendingLabel="Saving…" disabled={!trimmed} className="h-9">
            Save
          </SubmitButton>
        </div>
      </div>
      {content !== memory.content && memory.origin === 'extracted' ? (
        <p className="text-xs text-ink-muted">
          The old text is kept in its history, so you can see what changed.
        </p>
      ) : null}
      {error ? <FormAlert>{error}</FormAlert> : null}
    </form>
  );
}
