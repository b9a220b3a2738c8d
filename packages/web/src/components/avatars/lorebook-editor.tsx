import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import clsx from 'clsx';
import {
  BookOpen,
  Download,
  Ellipsis,
  FileUp,
  Pencil,
  Plus,
  RotateCcw,
  Search,
  Settings2,
  Trash2,
} from 'lucide-react';
import { type ReactNode, useRef, useState } from 'react';
import { friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import type { Avatar } from '../../lib/avatars';
import {
  emptyLorebook,
  entryTitle,
  type Lorebook,
  type LorebookEntry,
  lorebookErrorMessage,
  newLorebookEntry,
  positionLabel,
  useAttachWorldInfo,
  useLorebook,
  useRemoveLorebook,
  useSaveLorebook,
  worldInfoUrl,
} from '../../lib/lorebooks';
import { ConfirmDialog } from '../confirm-dialog';
import { FormAlert } from '../form-alert';
import { inputClass } from '../form-field';
import { Skeleton } from '../skeleton';
import { Spinner } from '../submit-button';
import { Badge } from './avatar-card';
import { LorebookEntryDialog } from './lorebook-entry-dialog';
import { LorebookSettingsDialog, settingsSummary } from './lorebook-settings-dialog';
import { menuContentClass, menuItemClass } from './menu';

const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Books with more entries than this get a search field. */
const FILTER_FROM = 8;

type Editing = { index: number | null; entry: LorebookEntry } | null;

/**
 * The avatar's lorebook (World Info): its entries, added, edited and deleted one at a time in a
 * dialog; the book's settings; attaching a SillyTavern World Info file, exporting one, and
 * removing the lorebook. Every change is saved when its dialog is confirmed — the lorebook is
 * not part of the avatar's Save.
 */
export function LorebookEditor({ avatar, readOnly }: { avatar: Avatar; readOnly: boolean }) {
  const book = useLorebook(avatar);
  const save = useSaveLorebook(avatar.id);
  const attach = useAttachWorldInfo(avatar.id);
  const remove = useRemoveLorebook(avatar.id);
  const fileInput = useRef<HTMLInputElement>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [deleting, setDeleting] = useState<number | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [pendingFile, setPendingFile] = useState<{ name: string; json: Record<string, unknown> } | null>(
    null,
  );
  const [fileError, setFileError] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ text: string; warnings: string[] } | null>(null);
  const [filter, setFilter] = useState('');

  const hasBook = avatar.lorebook !== null;
  const current: Lorebook | undefined = hasBook ? book.data : emptyLorebook();
  const entries = current?.entries ?? [];
  const errorText = (error: unknown) => lorebookErrorMessage(error) ?? friendlyMessage(error);

  function saveBook(next: Lorebook, done: () => void, text: string) {
    setNotice(null);
    save.mutate(next, {
      onSuccess: ({ warnings }) => {
        done();
        setNotice({ text, warnings });
      },
    });
  }

  async function chooseFile(file: File | undefined) {
    if (!file) return;
    setFileError(null);
    setNotice(null);
    attach.reset();
    if (file.size > MAX_FILE_BYTES) return setFileError('That file is larger than 10 MB.');
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch {
      return setFileError(
        'That file isn’t JSON. Choose a SillyTavern World Info file (.json) — in SillyTavern: World Info → Export.',
      );
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      return setFileError('That JSON file isn’t a World Info lorebook.');
    const pending = { name: file.name, json: json as Record<string, unknown> };
    if (hasBook) setPendingFile(pending);
    else sendFile(pending);
  }

  function sendFile(file: { name: string; json: Record<string, unknown> }) {
    attach.mutate(file.json, {
      onSuccess: ({ avatar: updated, warnings }) => {
        setPendingFile(null);
        const count = updated.lorebook?.entryCount ?? 0;
        setNotice({
          text: `Attached ${file.name}: ${count} ${count === 1 ? 'entry' : 'entries'}.`,
          warnings,
        });
      },
    });
  }

  const busy = save.isPending || attach.isPending || remove.isPending;
  const shown = matching(entries, entries.length > FILTER_FROM ? filter : '');
  const nextOrder = entries.length ? Math.max(...entries.map((e) => e.insertionOrder)) : 100;

  const picker = (
    <input
      ref={fileInput}
      type="file"
      accept=".json,application/json"
      hidden
      tabIndex={-1}
      aria-hidden="true"
      data-testid="world-info-input"
      onChange={(event) => {
        void chooseFile(event.target.files?.[0]);
        event.target.value = '';
      }}
    />
  );

  const messages = (
    <>
      {fileError ? <FormAlert>{fileError}</FormAlert> : null}
      {attach.error && !pendingFile ? (
        <FormAlert requestId={serverErrorRequestId(attach.error)}>{errorText(attach.error)}</FormAlert>
      ) : null}
      {notice ? <Notice notice={notice} onDismiss={() => setNotice(null)} /> : null}
    </>
  );

  let body: ReactNode;
  if (!hasBook) {
    body = readOnly ? (
      <p className="text-sm text-ink-muted">No lorebook.</p>
    ) : (
      <div className="flex flex-col items-center gap-3 rounded-xl border border-dashed border-line-strong px-5 py-8 text-center">
        <span className="flex size-10 items-center justify-center rounded-full bg-accent-soft text-accent-soft-ink">
          <BookOpen className="size-5" aria-hidden="true" />
        </span>
        <div>
          <p className="font-medium text-ink">No lorebook yet</p>
          <p className="mx-auto mt-1 max-w-md text-sm text-ink-muted">
            Attach a SillyTavern World Info file (.json), or write the first entry yourself: a few keywords
            and what the model should know when they come up.
          </p>
        </div>
        <div className="flex flex-wrap justify-center gap-2">
          <button
            type="button"
            className="btn-secondary"
            disabled={busy}
            onClick={() => fileInput.current?.click()}
          >
            {attach.isPending ? <Spinner /> : <FileUp className="size-4" aria-hidden="true" />}
            {attach.isPending ? 'Attaching…' : 'Attach World Info file'}
          </button>
          <button
            type="button"
            className="btn-secondary"
            disabled={busy}
            onClick={() => setEditing({ index: null, entry: newLorebookEntry() })}
          >
            <Plus className="size-4" aria-hidden="true" />
            Add first entry
          </button>
        </div>
      </div>
    );
  } else if (book.isError && !book.data) {
    body = (
      <div className="flex flex-col items-start gap-3">
        <FormAlert requestId={serverErrorRequestId(book.error)}>
          The lorebook couldn’t be loaded. {errorText(book.error)}
        </FormAlert>
        <button type="button" className="btn-secondary" onClick={() => book.refetch()}>
          <RotateCcw className="size-4" aria-hidden="true" />
          Try again
        </button>
      </div>
    );
  } else if (!current) {
    body = (
      <div className="flex flex-col gap-3" aria-busy="true">
        <span className="sr-only">Loading the lorebook…</span>
        <Skeleton className="h-16 w-full rounded-xl" />
        <Skeleton className="h-16 w-full rounded-xl" />
      </div>
    );
  } else {
    body = (
      <div className="flex flex-col gap-4">
        <div className="flex flex-wrap items-center gap-2">
          {readOnly ? null : (
            <button
              type="button"
              className="btn-secondary"
              disabled={busy}
              onClick={() => setEditing({ index: null, entry: newLorebookEntry(nextOrder) })}
            >
              <Plus className="size-4" aria-hidden="true" />
              Add entry
            </button>
          )}
          {readOnly ? null : (
            <button type="button" className="btn-ghost" disabled={busy} onClick={() => setSettingsOpen(true)}>
              <Settings2 className="size-4" aria-hidden="true" />
              Settings
            </button>
          )}
          {readOnly ? (
            <a className="btn-secondary" href={worldInfoUrl(avatar.id)} download>
              <Download className="size-4" aria-hidden="true" />
              Export World Info
            </a>
          ) : (
            <DropdownMenu.Root>
              <DropdownMenu.Trigger
                className="icon-btn ml-auto border border-line bg-surface"
                aria-label="More lorebook actions"
                disabled={busy}
              >
                {attach.isPending || remove.isPending ? (
                  <Spinner />
                ) : (
                  <Ellipsis className="size-4" aria-hidden="true" />
                )}
              </DropdownMenu.Trigger>
              <DropdownMenu.Portal>
                <DropdownMenu.Content
                  align="end"
                  sideOffset={6}
                  collisionPadding={8}
                  className={menuContentClass}
                >
                  <DropdownMenu.Item className={menuItemClass} onSelect={() => fileInput.current?.click()}>
                    <FileUp className="size-4 shrink-0 text-ink-muted" aria-hidden="true" />
                    <span className="min-w-0">
                      <span className="block">Attach World Info file…</span>
                      <span className="block text-xs text-ink-muted">Replaces this lorebook</span>
                    </span>
                  </DropdownMenu.Item>
                  <DropdownMenu.Item asChild className={menuItemClass}>
                    <a href={worldInfoUrl(avatar.id)} download>
                      <Download className="size-4 shrink-0 text-ink-muted" aria-hidden="true" />
                      <span className="min-w-0">
                        <span className="block">Export World Info</span>
                        <span className="block text-xs text-ink-muted">For SillyTavern and other apps</span>
                      </span>
                    </a>
                  </DropdownMenu.Item>
                  <DropdownMenu.Separator className="my-1 h-px bg-line" />
                  <DropdownMenu.Item
                    className={clsx(menuItemClass, 'text-bad')}
                    onSelect={() => {
                      remove.reset();
                      setConfirmRemove(true);
                    }}
                  >
                    <Trash2 className="size-4 shrink-0" aria-hidden="true" />
                    Remove lorebook…
                  </DropdownMenu.Item>
                </DropdownMenu.Content>
              </DropdownMenu.Portal>
            </DropdownMenu.Root>
          )}
        </div>
        <p className="text-[13px] text-ink-muted">
          {entries.length} {entries.length === 1 ? 'entry' : 'entries'} · {settingsSummary(current)}
        </p>
        {entries.length > FILTER_FROM ? (
          <label className="relative block">
            <span className="sr-only">Find an entry</span>
            <Search
              className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-ink-subtle"
              aria-hidden="true"
            />
            <input
              type="search"
              value={filter}
              onChange={(event) => setFilter(event.target.value)}
              // Enter here must not submit the avatar form around the lorebook.
              onKeyDown={(event) => (event.key === 'Enter' ? event.preventDefault() : undefined)}
              placeholder="Find by title, keyword or content…"
              className={clsx(inputClass, 'pl-9')}
            />
          </label>
        ) : null}
        {entries.length === 0 ? (
          <p className="rounded-xl border border-dashed border-line-strong px-4 py-6 text-center text-sm text-ink-muted">
            {readOnly ? 'This lorebook has no entries.' : 'No entries yet. Use Add entry to write one.'}
          </p>
        ) : shown.length === 0 ? (
          <p className="px-1 text-sm text-ink-muted" role="status">
            No entry matches “{filter.trim()}”.
          </p>
        ) : (
          <ul className="flex flex-col gap-3" aria-label="Lorebook entries">
            {shown.map(({ entry, index }) => (
              <EntryRow
                key={`${entry.id ?? 'new'}-${index}`}
                entry={entry}
                readOnly={readOnly}
                disabled={busy}
                onEdit={() => setEditing({ index, entry })}
                onDelete={() => {
                  save.reset();
                  setDeleting(index);
                }}
              />
            ))}
          </ul>
        )}
      </div>
    );
  }

  return (
    // Dialogs below render in portals, but React still bubbles their submit events up this tree:
    // stop them here so they never reach the avatar form around the lorebook.
    <div className="flex flex-col gap-4" onSubmit={(event) => event.stopPropagation()}>
      {body}
      {messages}
      {picker}
      <p className="sr-only" aria-live="polite">
        {save.isPending || attach.isPending || remove.isPending ? 'Saving the lorebook…' : ''}
      </p>

      {editing ? (
        <LorebookEntryDialog
          open={editing !== null}
          entry={editing.entry}
          isNew={editing.index === null}
          pending={save.isPending}
          error={save.error ? errorText(save.error) : null}
          onOpenChange={(open) => {
            if (open) return;
            setEditing(null);
            save.reset();
          }}
          onSave={(entry) => {
            const base = current ?? emptyLorebook();
            const list =
              editing.index === null
                ? [...base.entries, entry]
                : base.entries.map((e, i) => (i === editing.index ? entry : e));
            saveBook({ ...base, entries: list }, () => setEditing(null), `Saved “${entryTitle(entry)}”.`);
          }}
        />
      ) : null}

      {current ? (
        <LorebookSettingsDialog
          open={settingsOpen}
          onOpenChange={(open) => {
            setSettingsOpen(open);
            if (!open) save.reset();
          }}
          book={current}
          pending={save.isPending}
          error={save.error ? errorText(save.error) : null}
          onSave={(settings) =>
            saveBook(
              { ...current, ...settings },
              () => setSettingsOpen(false),
              'Saved the lorebook settings.',
            )
          }
        />
      ) : null}

      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => (open ? undefined : setDeleting(null))}
        title={`Delete “${deleting !== null && entries[deleting] ? entryTitle(entries[deleting]) : 'entry'}”?`}
        description="The entry is removed from the lorebook. Export the World Info first if you may want it back."
        confirmLabel="Delete entry"
        pendingLabel="Deleting…"
        pending={save.isPending}
        error={save.error ? errorText(save.error) : null}
        onConfirm={() => {
          if (deleting === null || !current) return;
          const gone = entries[deleting];
          saveBook(
            { ...current, entries: entries.filter((_, i) => i !== deleting) },
            () => setDeleting(null),
            `Deleted “${gone ? entryTitle(gone) : 'entry'}”.`,
          );
        }}
      />

      <ConfirmDialog
        open={confirmRemove}
        onOpenChange={setConfirmRemove}
        title="Remove the lorebook?"
        description={`All ${entries.length} ${entries.length === 1 ? 'entry is' : 'entries are'} removed from ${avatar.name}. Export the World Info first if you may want them back.`}
        confirmLabel="Remove lorebook"
        pendingLabel="Removing…"
        pending={remove.isPending}
        error={remove.error ? errorText(remove.error) : null}
        onConfirm={() =>
          remove.mutate(undefined, {
            onSuccess: () => {
              setConfirmRemove(false);
              setNotice({ text: 'Removed the lorebook.', warnings: [] });
            },
          })
        }
      />

      <ConfirmDialog
        open={pendingFile !== null}
        onOpenChange={(open) => (open ? undefined : setPendingFile(null))}
        title="Replace the lorebook?"
        description={`${pendingFile?.name ?? 'The file'} replaces all ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} of the current lorebook. Export it first if you may want it back.`}
        confirmLabel="Replace lorebook"
        pendingLabel="Attaching…"
        tone="primary"
        pending={attach.isPending}
        error={attach.error ? errorText(attach.error) : null}
        onConfirm={() => (pendingFile ? sendFile(pendingFile) : undefined)}
      />
    </div>
  );
}

function EntryRow({
  entry,
  readOnly,
  disabled,
  onEdit,
  onDelete,
}: {
  entry: LorebookEntry;
  readOnly: boolean;
  disabled: boolean;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const title = entryTitle(entry);
  const keys = entry.keys.filter((key) => key.trim());
  return (
    <li className={clsx('rounded-xl border border-line p-4', !entry.enabled && 'bg-surface-sunken/60')}>
      <div className="flex items-start gap-3">
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-1.5">
            <h3
              className={clsx(
                'min-w-0 break-words font-medium',
                entry.enabled ? 'text-ink' : 'text-ink-muted',
              )}
            >
              {title}
            </h3>
            {entry.constant ? <Badge tone="accent">Always on</Badge> : null}
            {entry.enabled ? null : <Badge>Off</Badge>}
          </div>
          {keys.length ? (
            <ul className="mt-2 flex flex-wrap gap-1" aria-label={`Keywords of ${title}`}>
              {keys.slice(0, 8).map((key) => (
                <li
                  key={key}
                  className="max-w-full truncate rounded-md bg-surface-sunken px-1.5 py-0.5 font-mono text-xs text-ink-muted"
                >
                  {key}
                </li>
              ))}
              {keys.length > 8 ? (
                <li className="px-1 text-xs text-ink-muted">+{keys.length - 8} more</li>
              ) : null}
            </ul>
          ) : null}
          {entry.content.trim() ? (
            <p className="mt-2 line-clamp-2 text-sm break-words text-ink-muted">{entry.content}</p>
          ) : (
            <p className="mt-2 text-sm text-ink-subtle italic">No content yet.</p>
          )}
          <p className="mt-2 text-xs text-ink-subtle">
            {positionLabel(entry.position)}
            {entry.position === 'at_depth' ? ` (${entry.depth} back)` : ''} · order {entry.insertionOrder}
            {entry.secondaryKeys.length ? ` · ${entry.secondaryKeys.length} secondary` : ''}
          </p>
        </div>
        {readOnly ? null : (
          <div className="flex shrink-0 items-center gap-1">
            <button
              type="button"
              className="btn-ghost h-8 px-2"
              disabled={disabled}
              onClick={onEdit}
              aria-label={`Edit ${title}`}
            >
              <Pencil className="size-4" aria-hidden="true" />
              <span className="max-sm:hidden">Edit</span>
            </button>
            <button
              type="button"
              className="icon-btn size-8 hover:text-bad"
              disabled={disabled}
              onClick={onDelete}
              aria-label={`Delete ${title}`}
            >
              <Trash2 className="size-4" aria-hidden="true" />
            </button>
          </div>
        )}
      </div>
    </li>
  );
}

function Notice({
  notice,
  onDismiss,
}: {
  notice: { text: string; warnings: string[] };
  onDismiss: () => void;
}) {
  return (
    <FormAlert tone={notice.warnings.length ? 'info' : 'success'}>
      <span className="flex items-start gap-2">
        <span className="min-w-0 flex-1">
          {notice.text}
          {notice.warnings.length ? (
            <>
              {' '}
              {notice.warnings.length === 1
                ? 'One thing to check:'
                : `${notice.warnings.length} things to check:`}
              <ul className="mt-1 list-disc pl-5">
                {notice.warnings.map((warning) => (
                  <li key={warning}>{warning}</li>
                ))}
              </ul>
            </>
          ) : null}
        </span>
        <button type="button" className="link shrink-0 text-[13px]" onClick={onDismiss}>
          Dismiss
        </button>
      </span>
    </FormAlert>
  );
}

/** The entries whose title, keywords or content contain the text (any case), with their index in the book. */
function matching(entries: LorebookEntry[], text: string): { entry: LorebookEntry; index: number }[] {
  const needle = text.trim().toLowerCase();
  const all = entries.map((entry, index) => ({ entry, index }));
  if (!needle) return all;
  return all.filter(({ entry }) =>
    [entryTitle(entry), ...entry.keys, ...entry.secondaryKeys, entry.content].some((field) =>
      field.toLowerCase().includes(needle),
    ),
  );
}
