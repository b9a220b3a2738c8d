import { useEffect, useId, useRef, useState } from 'react';
import type { Avatar } from '../../lib/avatars';
import { type MemoryKind, memoryErrorMessage, useAddMemory } from '../../lib/memory';
import { textareaClass } from '../avatars/fields';
import { FormAlert } from '../form-alert';
import { SubmitButton } from '../submit-button';
import { MEMORY_CONTENT_MAX } from './memory-item';
import { MemoryKindSelect } from './memory-kind-select';

/**
 * Adds a memory by hand: one sentence and its kind, optionally pinned (always in mind). Stored
 * the way the avatar's policy stores what it learns: its own with private memory, shared
 * otherwise.
 */
export function AddMemoryForm({
  avatar,
  defaultKind,
  onDone,
}: {
  avatar: Avatar;
  defaultKind: MemoryKind;
  onDone: () => void;
}) {
  const [content, setContent] = useState('');
  const [kind, setKind] = useState<MemoryKind>(defaultKind);
  const [pinned, setPinned] = useState(false);
  const add = useAddMemory();
  const box = useRef<HTMLTextAreaElement>(null);
  const ids = useId();
  useEffect(() => box.current?.focus(), []);
  const trimmed = content.trim();
  const submit = () => {
    if (!trimmed || add.isPending) return;
    add.mutate(
      {
        content: trimmed,
        kind,
        pinned,
        avatarId: avatar.memory.scope === 'shared' ? null : avatar.id,
      },
      { onSuccess: onDone },
    );
  };
  return (
    <form
      aria-label="Add a memory"
      className="card flex flex-col gap-3 p-4 sm:p-5"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onDone();
      }}
    >
      <div className="flex flex-col gap-1.5">
        <label htmlFor={`${ids}-text`} className="text-sm font-medium text-ink">
          What should {avatar.name} remember?
        </label>
        <textarea
          id={`${ids}-text`}
          ref={box}
          rows={2}
          maxLength={MEMORY_CONTENT_MAX}
          className={textareaClass}
          placeholder="My sister Ana lives in Lisbon."
          value={content}
          onChange={(event) => setContent(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              submit();
            }
          }}
          aria-describedby={`${ids}-hint`}
        />
        <p id={`${ids}-hint`} className="text-[13px] text-ink-muted">
          One self-contained sentence works best.{' '}
          {avatar.memory.scope === 'shared'
            ? 'Shared with your other avatars with shared memory.'
            : `Only ${avatar.name} will know it.`}
        </p>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <MemoryKindSelect value={kind} onChange={setKind} />
        <label className="flex h-9 cursor-pointer items-center gap-2 text-sm text-ink">
          <input
            type="checkbox"
            className="size-4 accent-accent"
            checked={pinned}
            onChange={(event) => setPinned(event.target.checked)}
          />
          Pin (always in mind)
        </label>
        <div className="ml-auto flex items-center gap-2 max-sm:w-full max-sm:justify-end">
          <button type="button" className="btn-ghost h-9" onClick={onDone} disabled={add.isPending}>
            Cancel
          </button>
          <SubmitButton pending={add.isPending} pendingLabel="Adding…" disabled={!trimmed} className="h-9">
            Add
          </SubmitButton>
        </div>
      </div>
      {add.isError ? <FormAlert>{memoryErrorMessage(add.error)}</FormAlert> : null}
    </form>
  );
}
