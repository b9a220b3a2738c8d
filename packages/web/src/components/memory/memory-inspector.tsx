import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import { Brain, Download, Ellipsis, Eraser, Plus, Search, SearchX, Undo2, X } from 'lucide-react';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { Avatar } from '../../lib/avatars';
import { useLuminaClient } from '../../lib/lumina-client';
import {
  deleteMemory,
  groupByKind,
  KIND_LABELS,
  MEMORIES_QUERY_KEY,
  MEMORY_EXPORT_URL,
  MEMORY_KINDS,
  type Memory,
  type MemoryKind,
  memoryErrorMessage,
  useForgetAll,
  useMemories,
  useMemorySettings,
  useUpdateMemory,
} from '../../lib/memory';
import { useDebouncedValue } from '../../lib/use-debounced-value';
import { menuContentClass, menuItemClass } from '../avatars/menu';
import { ConfirmDialog } from '../confirm-dialog';
import { ErrorPanel } from '../error-panel';
import { FormAlert } from '../form-alert';
import { inputClass } from '../form-field';
import { Skeleton } from '../skeleton';
import { AddMemoryForm } from './add-memory-form';
import { MemoryItem } from './memory-item';
import { MemoryOffNotice, NoEmbeddingBanner } from './memory-notices';

/** How long "Undo" is offered before a deleted memory is really deleted. */
export const MEMORY_UNDO_MS = 6000;

/**
 * Everything an avatar remembers about the person, grouped by kind: search, a kind filter,
 * replaced facts on request, edit in place, pin, delete with Undo, add by hand, export and
 * "forget everything".
 */
export function MemoryInspector({
  avatar,
  onTurnOn,
  turningOn,
}: {
  avatar: Avatar;
  /** Turns this avatar's memory on (its owner only); absent for a read-only avatar. */
  onTurnOn?: () => void;
  turningOn?: boolean;
}) {
  const [search, setSearch] = useState('');
  const q = useDebouncedValue(search.trim(), 250);
  const [kind, setKind] = useState<MemoryKind | undefined>();
  const [history, setHistory] = useState(false);
  const [adding, setAdding] = useState(false);
  const [confirmForget, setConfirmForget] = useState(false);
  const [forgotten, setForgotten] = useState<number | null>(null);
  const searchId = useId();
  const settings = useMemorySettings();
  const memories = useMemories(avatar.id, { q, kind, history });
  const update = useUpdateMemory();
  const forget = useForgetAll();
  const deletes = usePendingMemoryDeletes();

  const items = useMemo(
    () => (memories.data?.pages.flatMap((page) => page.items) ?? []).filter((m) => !deletes.isPending(m.id)),
    [memories.data, deletes],
  );
  const groups = useMemo(() => groupByKind(items), [items]);
  const filtering = Boolean(q || kind || history);
  const memoryOn = avatar.memory.enabled && (settings.data?.enabled ?? true);

  return (
    <div className="flex flex-col gap-4">
      {settings.data && !settings.data.enabled ? (
        <MemoryOffNotice reason="user" />
      ) : !avatar.memory.enabled ? (
        <MemoryOffNotice
          reason="avatar"
          avatarName={avatar.name}
          {...(onTurnOn ? { onTurnOn } : {})}
          pending={turningOn ?? false}
        />
      ) : null}
      {settings.data && memoryOn && !settings.data.embeddingModel ? <NoEmbeddingBanner /> : null}

      <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
        <div className="relative min-w-0 flex-1">
          <label htmlFor={searchId} className="sr-only">
            Search memories
          </label>
          <Search
            className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-ink-subtle"
            aria-hidden="true"
          />
          <input
            id={searchId}
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape' && search) {
                event.preventDefault();
                setSearch('');
              }
            }}
            placeholder="Search memories"
            className={clsx(inputClass, 'pl-9')}
            autoComplete="off"
          />
        </div>
        <div className="flex items-center gap-2">
          <button
            type="button"
            className="btn-primary max-sm:flex-1"
            aria-expanded={adding}
            onClick={() => setAdding((open) => !open)}
          >
            <Plus className="size-4" aria-hidden="true" />
            Add memory
          </button>
          <DropdownMenu.Root>
            <DropdownMenu.Trigger
              className="icon-btn size-10 shrink-0 border border-line bg-surface"
              aria-label="More memory actions"
            >
              <Ellipsis className="size-4" aria-hidden="true" />
            </DropdownMenu.Trigger>
            <DropdownMenu.Portal>
              <DropdownMenu.Content
                align="end"
                sideOffset={6}
                collisionPadding={8}
                className={menuContentClass}
              >
                <DropdownMenu.Item className={menuItemClass} asChild>
                  <a href={MEMORY_EXPORT_URL} download>
                    <Download className="size-4 text-ink-muted" aria-hidden="true" />
                    <span className="flex min-w-0 flex-col">
                      <span>Export as JSON</span>
                      <span className="text-xs text-ink-muted">All your memories, with their history</span>
                    </span>
                  </a>
                </DropdownMenu.Item>
                <DropdownMenu.Item
                  className={clsx(menuItemClass, 'text-bad')}
                  onSelect={() => {
                    forget.reset();
                    setConfirmForget(true);
                  }}
                >
                  <Eraser className="size-4" aria-hidden="true" />
                  <span className="flex min-w-0 flex-col">
                    <span>Forget everything…</span>
                    <span className="text-xs text-ink-muted">
                      Every memory {avatar.name} keeps as its own
                    </span>
                  </span>
                </DropdownMenu.Item>
              </DropdownMenu.Content>
            </DropdownMenu.Portal>
          </DropdownMenu.Root>
        </div>
      </div>

      <div className="flex flex-col gap-2">
        <fieldset className="-mx-1 flex min-w-0 gap-1.5 overflow-x-auto px-1 pb-1 sm:flex-wrap sm:overflow-visible">
          <legend className="sr-only">Show kind</legend>
          <KindChip selected={!kind} onClick={() => setKind(undefined)}>
            All
          </KindChip>
          {MEMORY_KINDS.map((k) => (
            <KindChip key={k} selected={kind === k} onClick={() => setKind(kind === k ? undefined : k)}>
              {KIND_LABELS[k].many}
            </KindChip>
          ))}
        </fieldset>
        <label className="flex cursor-pointer items-center gap-2 self-start px-1 text-sm text-ink-muted">
          <input
            type="checkbox"
            className="size-4 accent-accent"
            checked={history}
            onChange={(event) => setHistory(event.target.checked)}
          />
          Include replaced and forgotten
        </label>
      </div>

      {adding ? (
        <AddMemoryForm avatar={avatar} onDone={() => setAdding(false)} defaultKind={kind ?? 'fact'} />
      ) : null}

      {forgotten !== null ? (
        <FormAlert tone="success">
          {forgotten === 0
            ? `${avatar.name} had nothing to forget.`
            : `Forgotten: ${forgotten} ${forgotten === 1 ? 'memory' : 'memories'}. They won’t be recalled again.`}
        </FormAlert>
      ) : null}
      {deletes.failed ? (
        <FormAlert>
          {deletes.failed}{' '}
          <button type="button" className="font-medium underline" onClick={deletes.dismissFailure}>
            Dismiss
          </button>
        </FormAlert>
      ) : null}

      {memories.isError && !memories.data ? (
        <ErrorPanel error={memories.error} onRetry={() => memories.refetch()} />
      ) : !memories.data ? (
        <ListSkeleton />
      ) : items.length === 0 ? (
        filtering ? (
          <div className="card flex flex-col items-center gap-3 px-6 py-12 text-center">
            <SearchX className="size-8 text-ink-subtle" aria-hidden="true" />
            <div>
              <p className="font-medium text-ink">
                No memories match{q ? ` “${q}”` : ''}
                {kind ? ` among ${KIND_LABELS[kind].many.toLowerCase()}` : ''}
              </p>
              <p className="mt-1 text-sm text-ink-muted">Try other words, or show every kind.</p>
            </div>
            <button
              type="button"
              className="btn-secondary"
              onClick={() => {
                setSearch('');
                setKind(undefined);
                setHistory(false);
              }}
            >
              Clear filters
            </button>
          </div>
        ) : (
          <EmptyMemory avatarName={avatar.name} memoryOn={memoryOn} onAdd={() => setAdding(true)} />
        )
      ) : (
        <div className="flex flex-col gap-5" aria-busy={memories.isFetching || undefined}>
          {groups.map((group) => {
            const headingId = `memory-group-${group.kind}`;
            return (
              <section key={group.kind} aria-labelledby={headingId}>
                <h3
                  id={headingId}
                  className="mb-2 flex items-baseline gap-2 px-1 text-sm font-semibold text-ink"
                >
                  {KIND_LABELS[group.kind].many}
                  <span className="font-normal text-ink-subtle tabular-nums">{group.items.length}</span>
                  <span className="hidden font-normal text-ink-muted sm:inline">
                    · {KIND_LABELS[group.kind].hint}
                  </span>
                </h3>
                <ul className="card divide-y divide-line overflow-hidden">
                  {group.items.map((memory) => (
                    <MemoryItem
                      key={memory.id}
                      memory={memory}
                      saving={update.isPending && update.variables?.id === memory.id}
                      saveError={
                        update.isError && update.variables?.id === memory.id
                          ? memoryErrorMessage(update.error)
                          : null
                      }
                      onSave={(patch, done) =>
                        update.mutate({ id: memory.id, patch }, { onSuccess: () => done() })
                      }
                      onDelete={() => deletes.schedule(memory)}
                    />
                  ))}
                </ul>
              </section>
            );
          })}
          {memories.hasNextPage ? (
            <button
              type="button"
              className="btn-secondary self-center"
              disabled={memories.isFetchingNextPage}
              onClick={() => memories.fetchNextPage()}
            >
              {memories.isFetchingNextPage ? 'Loading…' : 'Show more'}
            </button>
          ) : null}
        </div>
      )}

      <DeleteUndoToast pending={deletes.pending} onUndo={deletes.undo} onCommit={deletes.commit} />

      <ConfirmDialog
        open={confirmForget}
        onOpenChange={setConfirmForget}
        title={`Forget everything ${avatar.name} knows?`}
        description={
          avatar.memory.scope === 'shared'
            ? `The memories ${avatar.name} keeps as its own are deleted for good, with their history. Those shared with your other avatars stay (delete them one by one, or all your memories in Settings › Memory). Past conversations stay too.`
            : `Every memory ${avatar.name} keeps of you is deleted for good, with its history. Past conversations stay. Export first if you may want them back.`
        }
        confirmLabel="Forget everything"
        pendingLabel="Forgetting…"
        pending={forget.isPending}
        error={forget.error ? memoryErrorMessage(forget.error) : null}
        onConfirm={() =>
          forget.mutate(avatar.id, {
            onSuccess: (deleted) => {
              setConfirmForget(false);
              setForgotten(deleted);
            },
          })
        }
      />
    </div>
  );
}

function KindChip({
  selected,
  onClick,
  children,
}: {
  selected: boolean;
  onClick: () => void;
  children: React.ReactNode;
}) {
  return (
    <button
      type="button"
      aria-pressed={selected}
      onClick={onClick}
      className={clsx(
        'inline-flex h-8 shrink-0 items-center rounded-full border px-3 text-sm transition-colors',
        selected
          ? 'border-accent bg-accent-soft font-medium text-accent-soft-ink'
          : 'border-line bg-surface text-ink-muted hover:border-line-strong hover:text-ink',
      )}
    >
      {children}
    </button>
  );
}

/** No memories yet: what memory is, how it fills, and how to add one. */
function EmptyMemory({
  avatarName,
  memoryOn,
  onAdd,
}: {
  avatarName: string;
  memoryOn: boolean;
  onAdd: () => void;
}) {
  return (
    <div className="card flex flex-col items-center px-6 py-12 text-center sm:px-10">
      <span className="flex size-12 items-center justify-center rounded-full bg-accent-soft text-accent-soft-ink">
        <Brain className="size-6" aria-hidden="true" />
      </span>
      <h3 className="mt-4 text-lg font-semibold text-ink">{avatarName} doesn’t remember anything yet</h3>
      <p className="mt-1.5 max-w-md text-ink-muted">
        {memoryOn
          ? `As you chat, ${avatarName} keeps short notes of what matters — your name, the people in your life, what you like — and recalls them in later conversations. Say “remember that …” in a chat, or add one here.`
          : `With memory on, ${avatarName} keeps short notes of what matters — your name, the people in your life, what you like — and recalls them in later conversations. You can review, correct and delete every one here.`}
      </p>
      <button type="button" className="btn-secondary mt-6" onClick={onAdd}>
        <Plus className="size-4" aria-hidden="true" />
        Add a memory
      </button>
    </div>
  );
}

function ListSkeleton() {
  return (
    <div aria-busy="true" className="flex flex-col gap-5">
      {[3, 2].map((rows) => (
        <div key={rows}>
          <Skeleton className="mb-2 h-4 w-28" />
          <div className="card divide-y divide-line">
            {Array.from({ length: rows }, (_, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: placeholders
              <div key={i} className="flex flex-col gap-2 px-5 py-4">
                <Skeleton className="h-4 w-4/5" />
                <Skeleton className="h-3 w-40" />
              </div>
            ))}
          </div>
        </div>
      ))}
      <span className="sr-only">Loading memories…</span>
    </div>
  );
}

interface PendingDelete {
  memory: Memory;
  deadline: number;
}

/**
 * Deleting a memory hides it at once and offers Undo for MEMORY_UNDO_MS; only then is the DELETE
 * sent. Leaving the page sends the deletes still waiting at once.
 */
function usePendingMemoryDeletes() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<PendingDelete[]>([]);
  const [failed, setFailed] = useState<string | null>(null);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const commit = useCallback(
    (id: string) => {
      const timer = timers.current.get(id);
      if (timer) clearTimeout(timer);
      timers.current.delete(id);
      deleteMemory(lumina, id).then(
        () => {
          setPending((list) => list.filter((p) => p.memory.id !== id));
          void queryClient.invalidateQueries({ queryKey: MEMORIES_QUERY_KEY });
          void queryClient.invalidateQueries({ queryKey: ['memory-recall'] });
        },
        (error: unknown) => {
          setPending((list) => list.filter((p) => p.memory.id !== id));
          setFailed(`The memory couldn’t be deleted: ${memoryErrorMessage(error)} It is back in the list.`);
        },
      );
    },
    [lumina, queryClient],
  );

  const schedule = useCallback(
    (memory: Memory) => {
      setFailed(null);
      setPending((list) => [
        ...list.filter((p) => p.memory.id !== memory.id),
        { memory, deadline: Date.now() + MEMORY_UNDO_MS },
      ]);
      timers.current.set(
        memory.id,
        setTimeout(() => commit(memory.id), MEMORY_UNDO_MS),
      );
    },
    [commit],
  );

  const undo = useCallback((id: string) => {
    const timer = timers.current.get(id);
    if (timer) clearTimeout(timer);
    timers.current.delete(id);
    setPending((list) => list.filter((p) => p.memory.id !== id));
  }, []);

  // Leaving the page: what was deleted stays deleted.
  useEffect(() => {
    const waiting = timers.current;
    return () => {
      for (const [id, timer] of waiting) {
        clearTimeout(timer);
        void deleteMemory(lumina, id).catch(() => undefined);
      }
      waiting.clear();
    };
  }, [lumina]);

  const ids = useMemo(() => new Set(pending.map((p) => p.memory.id)), [pending]);
  return {
    pending,
    isPending: (id: string) => ids.has(id),
    schedule,
    undo,
    commit,
    failed,
    dismissFailure: () => setFailed(null),
  };
}

function DeleteUndoToast({
  pending,
  onUndo,
  onCommit,
}: {
  pending: PendingDelete[];
  onUndo: (id: string) => void;
  onCommit: (id: string) => void;
}) {
  const latest = pending.at(-1);
  return (
    <div
      role="status"
      aria-live="polite"
      className="pointer-events-none fixed inset-x-3 bottom-6 z-40 flex flex-col items-center gap-2 md:inset-x-auto md:bottom-5 md:left-1/2 md:-translate-x-1/2"
    >
      {latest ? (
        <div className="pointer-events-auto flex w-full max-w-sm animate-fade-in items-center gap-3 rounded-xl border border-line bg-ink py-2 pr-2 pl-4 text-sm text-canvas shadow-pop dark:border-line-strong">
          <p className="min-w-0 flex-1 truncate">
            Memory deleted{pending.length > 1 ? ` (and ${pending.length - 1} more)` : ''}
          </p>
          <button
            type="button"
            className="inline-flex h-8 items-center gap-1.5 rounded-lg px-2.5 font-semibold underline underline-offset-2 hover:bg-canvas/10"
            onClick={() => onUndo(latest.memory.id)}
          >
            <Undo2 className="size-4" aria-hidden="true" />
            Undo
          </button>
          <button
            type="button"
            className="inline-flex size-8 items-center justify-center rounded-lg hover:bg-canvas/10"
            aria-label="Delete now"
            title="Delete now"
            onClick={() => onCommit(latest.memory.id)}
          >
            <X className="size-4" aria-hidden="true" />
          </button>
        </div>
      ) : null}
    </div>
  );
}
