import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import clsx from 'clsx';
import {
  ChevronDown,
  FilePlus2,
  FileUp,
  LayoutTemplate,
  Plus,
  RotateCcw,
  Search,
  Upload,
  X,
} from 'lucide-react';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { AvatarCard } from '../../components/avatars/avatar-card';
import { selectClass } from '../../components/avatars/fields';
import { ImportDialog } from '../../components/avatars/import-dialog';
import { menuContentClass, menuItemClass } from '../../components/avatars/menu';
import { NewAvatarDialog } from '../../components/avatars/new-avatar-dialog';
import { TemplatePickerDialog } from '../../components/avatars/template-picker-dialog';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { FormAlert } from '../../components/form-alert';
import { inputClass } from '../../components/form-field';
import { PageHeader } from '../../components/page-header';
import { Skeleton } from '../../components/skeleton';
import { resolveActiveAvatar, useActiveAvatarId } from '../../lib/active-avatar';
import { formErrorsFrom, friendlyMessage } from '../../lib/api-errors';
import { type Avatar, type AvatarSort, useAvatarStats, useAvatars, useDeleteAvatar } from '../../lib/avatars';
import { useDocumentTitle } from '../../lib/document-title';
import { useSession } from '../../lib/session';
import { useImportQueue } from '../../lib/use-import-queue';

const SORTS: { value: AvatarSort; label: string }[] = [
  { value: 'recent', label: 'Recently used' },
  { value: 'name', label: 'Name' },
  { value: 'created', label: 'Newest' },
];

type OpenDialog = 'blank' | 'template' | 'import' | null;

/** The gallery: every avatar you own or that is shared with you, with search, tags and sort. */
export function AvatarsPage() {
  useDocumentTitle('Avatars');
  const user = useSession().data;
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const tag = params.get('tag') ?? '';
  const sortParam = params.get('sort');
  const sort: AvatarSort = SORTS.some((s) => s.value === sortParam) ? (sortParam as AvatarSort) : 'recent';
  const [search, setSearch] = useState(q);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [deleting, setDeleting] = useState<Avatar | null>(null);
  const queue = useImportQueue();
  const remove = useDeleteAvatar();
  const all = useAvatars({ sort });
  const filtered = useAvatars({ q, tag, sort });
  const stats = useAvatarStats();
  const [storedActiveId, setActiveId] = useActiveAvatarId(user?.id);
  const active = all.data ? resolveActiveAvatar(all.data, storedActiveId) : null;
  const searchId = useId();
  const sortId = useId();

  function update(next: { q?: string; tag?: string; sort?: AvatarSort }) {
    setParams(
      (current) => {
        const out = new URLSearchParams(current);
        for (const [key, value] of Object.entries(next)) {
          if (!value || (key === 'sort' && value === 'recent')) out.delete(key);
          else out.set(key, value);
        }
        return out;
      },
      { replace: true },
    );
  }

  // Search as the person types, without a request per keystroke.
  // biome-ignore lint/correctness/useExhaustiveDependencies: update only writes the URL
  useEffect(() => {
    if (search.trim() === q) return;
    const timer = setTimeout(() => update({ q: search.trim() }), 250);
    return () => clearTimeout(timer);
  }, [search, q]);

  const tags = useMemo(() => {
    const counts = new Map<string, number>();
    for (const avatar of all.data ?? []) for (const t of avatar.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t);
  }, [all.data]);

  const dragging = useFileDrag((files) => {
    setDialog('import');
    queue.add(files);
  });

  const filtering = Boolean(q || tag);
  const list = filtered.data;
  const none = all.data?.length === 0;

  return (
    <>
      <PageHeader
        title="Avatars"
        description="The personalities you talk with. Pick the active one, shape how it speaks, or bring one in from another app."
        actions={
          <>
            <button type="button" className="btn-secondary max-sm:flex-1" onClick={() => setDialog('import')}>
              <Upload className="size-4" aria-hidden="true" />
              Import
            </button>
            <NewAvatarMenu onPick={setDialog} />
          </>
        }
      />

      {none ? null : (
        <div className="mb-6 flex flex-col gap-3">
          <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
            <div className="relative flex-1">
              <label htmlFor={searchId} className="sr-only">
                Search avatars
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
                    update({ q: '' });
                  }
                }}
                placeholder="Search avatars"
                className={clsx(inputClass, 'pl-9')}
                autoComplete="off"
              />
            </div>
            <div className="flex items-center gap-2">
              <label htmlFor={sortId} className="shrink-0 text-sm text-ink-muted">
                Sort by
              </label>
              <select
                id={sortId}
                value={sort}
                onChange={(event) => update({ sort: event.target.value as AvatarSort })}
                className={clsx(selectClass, 'w-auto max-sm:flex-1 sm:min-w-40')}
              >
                {SORTS.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {tags.length > 0 ? (
            <fieldset className="-mx-1 flex min-w-0 gap-1.5 overflow-x-auto px-1 pb-1 sm:flex-wrap sm:overflow-visible">
              <legend className="sr-only">Filter by tag</legend>
              <TagChip selected={!tag} onClick={() => update({ tag: '' })}>
                All
              </TagChip>
              {tags.map((t) => (
                <TagChip key={t} selected={tag === t} onClick={() => update({ tag: tag === t ? '' : t })}>
                  #{t}
                </TagChip>
              ))}
            </fieldset>
          ) : null}
        </div>
      )}

      {filtered.isError && !list ? (
        <div className="flex flex-col items-start gap-3">
          <FormAlert>{friendlyMessage(filtered.error)}</FormAlert>
          <button type="button" className="btn-secondary" onClick={() => filtered.refetch()}>
            <RotateCcw className="size-4" aria-hidden="true" />
            Try again
          </button>
        </div>
      ) : !list ? (
        <GallerySkeleton />
      ) : none ? (
        <EmptyGallery onPick={setDialog} />
      ) : list.length === 0 ? (
        <div className="card flex flex-col items-center gap-3 px-6 py-12 text-center">
          <Search className="size-8 text-ink-subtle" aria-hidden="true" />
          <div>
            <p className="font-medium text-ink">
              No avatars match {q ? `“${q}”` : ''}
              {q && tag ? ' with ' : ''}
              {tag ? `#${tag}` : ''}
            </p>
            <p className="mt-1 text-sm text-ink-muted">
              Try another word, or clear the filters to see them all.
            </p>
          </div>
          <button
            type="button"
            className="btn-secondary"
            onClick={() => {
              setSearch('');
              update({ q: '', tag: '' });
            }}
          >
            <X className="size-4" aria-hidden="true" />
            Clear filters
          </button>
        </div>
      ) : (
        <>
          <p className="sr-only" aria-live="polite">
            {filtering ? `${list.length} ${list.length === 1 ? 'avatar matches' : 'avatars match'}` : ''}
          </p>
          <ul
            className={clsx(
              'grid grid-cols-1 gap-3 transition-opacity sm:grid-cols-2 xl:grid-cols-3',
              filtered.isPlaceholderData && 'opacity-60',
            )}
            aria-label="Avatars"
          >
            {list.map((avatar) => (
              <AvatarCard
                key={avatar.id}
                avatar={avatar}
                active={active?.id === avatar.id}
                usage={stats.data?.get(avatar.id)}
                onSetActive={() => setActiveId(avatar.id)}
                onDelete={() => {
                  remove.reset();
                  setDeleting(avatar);
                }}
                onTag={(t) => update({ tag: t })}
              />
            ))}
          </ul>
          <p className="mt-6 flex items-center gap-2 text-sm text-ink-muted max-sm:hidden">
            <FileUp className="size-4 shrink-0" aria-hidden="true" />
            Tip: drop character cards (PNG, JSON, CHARX) or Lumina XML anywhere on this page to import them.
          </p>
        </>
      )}

      {dragging ? (
        <div
          aria-hidden="true"
          className="pointer-events-none fixed inset-3 z-40 flex animate-fade-in items-center justify-center rounded-2xl border-2 border-dashed border-accent bg-accent-soft/80 backdrop-blur-sm"
        >
          <div className="flex flex-col items-center gap-2 text-accent-soft-ink">
            <FileUp className="size-10" />
            <p className="text-lg font-semibold">Drop to import</p>
            <p className="text-sm">Character cards (PNG, JSON, CHARX) or Lumina XML</p>
          </div>
        </div>
      ) : null}

      <NewAvatarDialog open={dialog === 'blank'} onOpenChange={(open) => setDialog(open ? 'blank' : null)} />
      <TemplatePickerDialog
        open={dialog === 'template'}
        onOpenChange={(open) => setDialog(open ? 'template' : null)}
      />
      <ImportDialog
        open={dialog === 'import'}
        onOpenChange={(open) => setDialog(open ? 'import' : null)}
        queue={queue}
      />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => (open ? undefined : setDeleting(null))}
        title={`Delete ${deleting?.name ?? 'this avatar'}?`}
        description="Its settings and picture are deleted for good. Export it first if you may want it back."
        confirmLabel="Delete avatar"
        pendingLabel="Deleting…"
        pending={remove.isPending}
        error={remove.error ? formErrorsFrom(remove.error, []).form : null}
        onConfirm={() => {
          if (!deleting) return;
          remove.mutate(deleting.id, {
            onSuccess: (id) => {
              if (storedActiveId === id) setActiveId(null);
              setDeleting(null);
            },
          });
        }}
      />
    </>
  );
}

function TagChip({
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

/** "New avatar ▾": blank, from a template, or import. */
function NewAvatarMenu({ onPick }: { onPick: (dialog: OpenDialog) => void }) {
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger className="btn-primary max-sm:flex-1">
        <Plus className="size-4" aria-hidden="true" />
        New avatar
        <ChevronDown className="size-4 opacity-80" aria-hidden="true" />
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content align="end" sideOffset={6} collisionPadding={8} className={menuContentClass}>
          <DropdownMenu.Item className={menuItemClass} onSelect={() => onPick('template')}>
            <LayoutTemplate className="size-4 shrink-0 text-ink-muted" aria-hidden="true" />
            <span>
              <span className="block">From a template…</span>
              <span className="block text-xs text-ink-muted">Start from a ready personality</span>
            </span>
          </DropdownMenu.Item>
          <DropdownMenu.Item className={menuItemClass} onSelect={() => onPick('blank')}>
            <FilePlus2 className="size-4 shrink-0 text-ink-muted" aria-hidden="true" />
            <span>
              <span className="block">Blank avatar…</span>
              <span className="block text-xs text-ink-muted">Write everything yourself</span>
            </span>
          </DropdownMenu.Item>
          <DropdownMenu.Item className={menuItemClass} onSelect={() => onPick('import')}>
            <Upload className="size-4 shrink-0 text-ink-muted" aria-hidden="true" />
            <span>
              <span className="block">Import files…</span>
              <span className="block text-xs text-ink-muted">Character cards or Lumina XML</span>
            </span>
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

function EmptyGallery({ onPick }: { onPick: (dialog: OpenDialog) => void }) {
  return (
    <div className="card flex flex-col items-center gap-4 px-6 py-14 text-center">
      <span className="flex size-12 items-center justify-center rounded-xl bg-accent-soft text-accent-soft-ink">
        <LayoutTemplate className="size-6" aria-hidden="true" />
      </span>
      <div>
        <h2 className="font-semibold text-ink">No avatars yet</h2>
        <p className="mt-1 max-w-md text-sm text-ink-muted">
          Start from a template, write one from scratch, or drop a character card from SillyTavern or Chub
          here.
        </p>
      </div>
      <div className="flex flex-wrap justify-center gap-2">
        <button type="button" className="btn-primary" onClick={() => onPick('template')}>
          <LayoutTemplate className="size-4" aria-hidden="true" />
          Choose a template
        </button>
        <button type="button" className="btn-secondary" onClick={() => onPick('blank')}>
          <FilePlus2 className="size-4" aria-hidden="true" />
          Blank avatar
        </button>
        <button type="button" className="btn-secondary" onClick={() => onPick('import')}>
          <Upload className="size-4" aria-hidden="true" />
          Import
        </button>
      </div>
    </div>
  );
}

function GallerySkeleton() {
  return (
    <ul
      className="grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-3"
      aria-busy="true"
      aria-label="Loading avatars"
    >
      {[0, 1, 2].map((i) => (
        <li key={i} className="card flex flex-col gap-3 p-4">
          <div className="flex gap-3">
            <Skeleton className="size-14 rounded-xl" />
            <div className="flex-1">
              <Skeleton className="h-5 w-28" />
              <Skeleton className="mt-2 h-4 w-16" />
            </div>
          </div>
          <Skeleton className="h-4 w-full" />
          <Skeleton className="h-4 w-2/3" />
        </li>
      ))}
    </ul>
  );
}

/** True while files are dragged over the window; `onDrop` gets them when dropped anywhere. */
function useFileDrag(onDrop: (files: File[]) => void): boolean {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const latest = useRef(onDrop);
  latest.current = onDrop;
  useEffect(() => {
    const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    const enter = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth.current++;
      setDragging(true);
    };
    const leave = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    };
    const over = (event: DragEvent) => {
      if (hasFiles(event)) event.preventDefault();
    };
    const drop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth.current = 0;
      setDragging(false);
      if (event.defaultPrevented) return; // the import dialog's own drop zone took them
      event.preventDefault();
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length) latest.current(files);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);
  return dragging;
}
