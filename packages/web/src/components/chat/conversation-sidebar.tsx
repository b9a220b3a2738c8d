import { useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import { Archive, FileUp, ListFilter, MessageSquareText, Search, X } from 'lucide-react';
import { type DragEvent, forwardRef, type ReactNode, useId, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { friendlyMessage } from '../../lib/api-errors';
import type { Avatar } from '../../lib/avatars';
import { prepareJump, useMessageSearch, useSettledValue } from '../../lib/chat-search';
import { groupConversations } from '../../lib/conversation-groups';
import {
  CONVERSATION_FILE_TYPES,
  type ConversationImportResult,
  importConversationFiles,
} from '../../lib/conversation-import';
import {
  CONVERSATIONS_QUERY_KEY,
  type Conversation,
  type ConversationFilters,
  useConversations,
  usePatchConversation,
} from '../../lib/conversations';
import { useLuminaClient } from '../../lib/lumina-client';
import { usePendingDeletes } from '../../lib/use-pending-deletes';
import { selectClass } from '../avatars/fields';
import { FormAlert } from '../form-alert';
import { Skeleton } from '../skeleton';
import { Spinner } from '../submit-button';
import { RenameDialog, TagsDialog } from './conversation-dialogs';
import { ConversationRow, type ConversationRowActions } from './conversation-row';
import { HighlightedSnippet } from './highlighted-snippet';
import { NewChatButton } from './new-chat-button';

/** What Ctrl/Cmd+K looks like on this computer. */
const SEARCH_KEYS =
  typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.userAgent) ? '⌘K' : 'Ctrl K';

interface SidebarProps {
  avatars: readonly Avatar[];
  activeAvatar: Avatar | null;
  /** Runs after following a link (closes the phone drawer). */
  onNavigate?: () => void;
  /** Beside "New chat": the layout's buttons (focus mode, collapse the list). */
  headerActions?: ReactNode;
}

/**
 * The conversation list: new chat, search over every message (Ctrl/Cmd+K), filters by avatar,
 * tag and archive, and the conversations grouped as pinned, today and earlier.
 */
export const ConversationSidebar = forwardRef<HTMLInputElement, SidebarProps>(function ConversationSidebar(
  { avatars, activeAvatar, onNavigate, headerActions },
  searchRef,
) {
  const [query, setQuery] = useState('');
  const [filters, setFilters] = useState<ConversationFilters>({ archived: false });
  const [showFilters, setShowFilters] = useState(false);
  const [renaming, setRenaming] = useState<Conversation | null>(null);
  const [tagging, setTagging] = useState<Conversation | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [imported, setImported] = useState<ConversationImportResult[] | null>(null);
  const [importing, setImporting] = useState(false);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const settled = useSettledValue(query, 250);
  const searching = settled.trim().length > 0;
  const list = useConversations(filters);
  const patch = usePatchConversation();
  const deletes = usePendingDeletes();
  const navigate = useNavigate();
  const searchId = useId();

  const avatarById = useMemo(() => new Map(avatars.map((a) => [a.id, a])), [avatars]);
  const conversations = useMemo(
    () => (list.data?.pages.flatMap((p) => p.conversations) ?? []).filter((c) => !deletes.isPending(c.id)),
    [list.data, deletes],
  );
  const tags = useMemo(() => [...new Set(conversations.flatMap((c) => c.tags))].sort(), [conversations]);
  const groups = useMemo(() => groupConversations(conversations, new Date()), [conversations]);
  const filtered = Boolean(filters.avatarId || filters.tag || filters.archived);

  const actions: ConversationRowActions = {
    onRename: setRenaming,
    onTags: setTagging,
    onPin: (c) =>
      patch.mutate(
        { id: c.id, patch: { pinned: !c.pinned } },
        { onError: (e) => setProblem(friendlyMessage(e)) },
      ),
    onArchive: (c) =>
      patch.mutate(
        { id: c.id, patch: { archived: !c.archived } },
        { onError: (e) => setProblem(friendlyMessage(e)) },
      ),
    onDelete: (c) => {
      deletes.schedule(c.id, c.title || 'New conversation');
      if (window.location.pathname === `/chat/${c.id}`) navigate('/chat');
    },
  };

  async function importFiles(files: File[]) {
    if (files.length === 0) return;
    setImporting(true);
    setImported(null);
    const results = await importConversationFiles(lumina, files);
    setImporting(false);
    setImported(results);
    void queryClient.invalidateQueries({ queryKey: CONVERSATIONS_QUERY_KEY });
    const first = results.find((r) => r.ok && r.conversationId);
    if (first) {
      navigate(`/chat/${first.conversationId}`);
      onNavigate?.();
    }
  }

  const dropProps = {
    onDragOver: (event: DragEvent) => {
      if (!event.dataTransfer.types.includes('Files')) return;
      event.preventDefault();
      setDragging(true);
    },
    onDragLeave: (event: DragEvent) => {
      if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
    },
    onDrop: (event: DragEvent) => {
      if (!event.dataTransfer.types.includes('Files')) return;
      event.preventDefault();
      setDragging(false);
      void importFiles([...event.dataTransfer.files]);
    },
  };

  return (
    <div
      className={clsx('relative flex h-full min-h-0 flex-col', dragging && 'bg-accent-soft/40')}
      {...dropProps}
    >
      {dragging ? (
        <div className="pointer-events-none absolute inset-2 z-10 flex items-center justify-center rounded-xl border-2 border-dashed border-accent bg-surface/80 text-sm font-medium text-accent-soft-ink">
          Drop conversation files to import them
        </div>
      ) : null}
      <div className="flex flex-col gap-3 border-b border-line p-3">
        <div className="flex items-center gap-1">
          <NewChatButton
            avatars={avatars}
            active={activeAvatar}
            onStarted={onNavigate}
            className="min-w-0 flex-1"
          />
          {headerActions}
        </div>
        <div className="flex gap-1.5">
          {/* biome-ignore lint/a11y/useSemanticElements: <search> is not yet in every supported browser */}
          <form
            role="search"
            className="relative min-w-0 flex-1"
            onSubmit={(event) => event.preventDefault()}
          >
            <label htmlFor={searchId} className="sr-only">
              Search messages
            </label>
            <Search
              className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-ink-subtle"
              aria-hidden="true"
            />
            <input
              id={searchId}
              ref={searchRef}
              type="search"
              value={query}
              onChange={(event) => setQuery(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Escape' && query) {
                  event.preventDefault();
                  event.stopPropagation();
                  setQuery('');
                }
              }}
              placeholder="Search messages"
              aria-keyshortcuts="Control+K Meta+K"
              className="h-9 w-full rounded-lg border border-line-strong bg-surface pr-12 pl-8 text-sm text-ink placeholder:text-ink-subtle focus-visible:border-accent focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring/40 [&::-webkit-search-cancel-button]:hidden"
            />
            {query ? (
              <button
                type="button"
                className="icon-btn absolute top-1/2 right-1 size-7 -translate-y-1/2"
                aria-label="Clear search"
                onClick={() => setQuery('')}
              >
                <X className="size-3.5" aria-hidden="true" />
              </button>
            ) : (
              <kbd className="pointer-events-none absolute top-1/2 right-2 -translate-y-1/2 rounded border border-line px-1 font-sans text-[11px] text-ink-subtle max-md:hidden">
                {SEARCH_KEYS}
              </kbd>
            )}
          </form>
          <button
            type="button"
            className={clsx('icon-btn relative shrink-0', showFilters && 'bg-surface-sunken text-ink')}
            aria-expanded={showFilters}
            aria-controls={`${searchId}-filters`}
            aria-label="Filters"
            onClick={() => setShowFilters((open) => !open)}
          >
            <ListFilter className="size-4" aria-hidden="true" />
            {filtered ? (
              <span className="absolute top-1.5 right-1.5 size-2 rounded-full bg-accent" aria-hidden="true" />
            ) : null}
          </button>
          <button
            type="button"
            className="icon-btn shrink-0"
            aria-label="Import conversations"
            title="Import conversations (Lumina JSON, SillyTavern JSONL, ChatGPT export), or drop files here"
            disabled={importing}
            onClick={() => fileInput.current?.click()}
          >
            {importing ? <Spinner /> : <FileUp className="size-4" aria-hidden="true" />}
          </button>
          <input
            ref={fileInput}
            type="file"
            multiple
            accept={CONVERSATION_FILE_TYPES}
            className="hidden"
            aria-hidden="true"
            tabIndex={-1}
            data-testid="conversation-import-input"
            onChange={(event) => {
              void importFiles([...(event.target.files ?? [])]);
              event.target.value = '';
            }}
          />
        </div>
        {showFilters ? (
          <fieldset id={`${searchId}-filters`} className="flex flex-col gap-2">
            <legend className="sr-only">Filters</legend>
            <FilterSelect
              label="Avatar"
              value={filters.avatarId ?? ''}
              onChange={(value) => setFilters((f) => ({ ...f, avatarId: value || undefined }))}
              options={avatars.map((a) => [a.id, a.name])}
              any="All avatars"
            />
            <FilterSelect
              label="Tag"
              value={filters.tag ?? ''}
              onChange={(value) => setFilters((f) => ({ ...f, tag: value || undefined }))}
              options={[...new Set([...tags, ...(filters.tag ? [filters.tag] : [])])].map((t) => [
                t,
                `#${t}`,
              ])}
              any="All tags"
            />
            <label className="flex items-center gap-2 px-0.5 text-sm text-ink">
              <input
                type="checkbox"
                className="size-4 accent-accent"
                checked={filters.archived ?? false}
                onChange={(event) => setFilters((f) => ({ ...f, archived: event.target.checked }))}
              />
              Show archived conversations
            </label>
          </fieldset>
        ) : null}
      </div>

      {problem ? (
        <div className="px-3 pt-3">
          <FormAlert>
            {problem}{' '}
            <button type="button" className="link" onClick={() => setProblem(null)}>
              Dismiss
            </button>
          </FormAlert>
        </div>
      ) : null}

      {imported ? (
        <div className="px-3 pt-3">
          <ImportSummary results={imported} onDismiss={() => setImported(null)} />
        </div>
      ) : null}

      <div className="min-h-0 flex-1 overflow-y-auto px-2 py-2">
        {searching ? (
          <SearchResults
            query={settled}
            filters={filters}
            avatarById={avatarById}
            onOpen={onNavigate}
            onError={(e) => setProblem(friendlyMessage(e))}
          />
        ) : list.isPending ? (
          <ListSkeleton />
        ) : list.isError && !list.data ? (
          <div className="flex flex-col items-start gap-2 p-2 text-sm text-ink-muted">
            <p>{friendlyMessage(list.error)}</p>
            <button type="button" className="btn-secondary" onClick={() => list.refetch()}>
              Try again
            </button>
          </div>
        ) : groups.length === 0 ? (
          <div className="flex flex-col items-center gap-2 px-4 py-10 text-center text-sm text-ink-muted">
            {filters.archived ? (
              <Archive className="size-6 text-ink-subtle" aria-hidden="true" />
            ) : (
              <MessageSquareText className="size-6 text-ink-subtle" aria-hidden="true" />
            )}
            <p>
              {filtered
                ? 'No conversations match these filters.'
                : 'No conversations yet. Start one with “New chat”.'}
            </p>
          </div>
        ) : (
          <nav aria-label="Conversations">
            {groups.map((group) => (
              <section key={group.key} aria-labelledby={`${searchId}-${group.key}`} className="mb-3">
                <h3
                  id={`${searchId}-${group.key}`}
                  className="px-2 pt-1 pb-1 text-xs font-medium text-ink-subtle"
                >
                  {group.label}
                </h3>
                <ul className="flex flex-col gap-0.5">
                  {group.conversations.map((conversation) => (
                    <ConversationRow
                      key={conversation.id}
                      conversation={conversation}
                      avatar={avatarById.get(conversation.avatarId)}
                      actions={actions}
                      onOpen={onNavigate}
                    />
                  ))}
                </ul>
              </section>
            ))}
            {list.hasNextPage ? (
              <button
                type="button"
                className="btn-ghost w-full text-xs"
                disabled={list.isFetchingNextPage}
                onClick={() => list.fetchNextPage()}
              >
                {list.isFetchingNextPage ? <Spinner /> : null}
                Show more
              </button>
            ) : null}
          </nav>
        )}
      </div>
      <RenameDialog conversation={renaming} onClose={() => setRenaming(null)} />
      <TagsDialog conversation={tagging} onClose={() => setTagging(null)} />
    </div>
  );
});

function FilterSelect({
  label,
  value,
  onChange,
  options,
  any,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: [string, string][];
  any: string;
}) {
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="w-12 shrink-0 text-sm text-ink-muted">
        {label}
      </label>
      <select
        id={id}
        className={clsx(selectClass, 'h-9! text-sm')}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">{any}</option>
        {options.map(([key, text]) => (
          <option key={key} value={key}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

function ListSkeleton() {
  return (
    <div className="flex flex-col gap-3 p-2" aria-busy="true">
      <span className="sr-only">Loading…</span>
      {[70, 55, 80, 60, 45].map((width) => (
        <div key={width} className="flex items-center gap-2.5">
          <Skeleton className="size-7 rounded-full" />
          <div className="flex-1">
            <Skeleton className="h-3.5" />
            <Skeleton className="mt-1.5 h-3 w-1/2" />
          </div>
        </div>
      ))}
    </div>
  );
}

function SearchResults({
  query,
  filters,
  avatarById,
  onOpen,
  onError,
}: {
  query: string;
  filters: ConversationFilters;
  avatarById: Map<string, Avatar>;
  onOpen?: (() => void) | undefined;
  onError: (error: unknown) => void;
}) {
  const search = useMessageSearch(query, { avatarId: filters.avatarId, tag: filters.tag });
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [opening, setOpening] = useState<string | null>(null);

  async function open(messageId: string) {
    setOpening(messageId);
    try {
      const jump = await prepareJump(lumina, messageId);
      await queryClient.invalidateQueries({ queryKey: ['conversation', jump.conversationId] });
      navigate(`/chat/${jump.conversationId}?message=${encodeURIComponent(jump.messageId)}`);
      onOpen?.();
    } catch (error) {
      onError(error);
    } finally {
      setOpening(null);
    }
  }

  if (search.isPending) return <ListSkeleton />;
  if (search.isError) return <p className="p-2 text-sm text-ink-muted">{friendlyMessage(search.error)}</p>;
  const hits = search.data.hits;
  return (
    <section aria-label="Search results">
      <p className="px-2 pb-2 text-xs text-ink-muted" role="status">
        {hits.length === 0
          ? `No messages match “${query.trim()}”.`
          : `${hits.length}${search.data.truncated ? '+' : ''} matching messages`}
      </p>
      <ul className="flex flex-col gap-1">
        {hits.map((hit) => {
          const avatar = avatarById.get(hit.avatarId);
          return (
            <li key={hit.messageId}>
              <button
                type="button"
                className="flex w-full flex-col gap-0.5 rounded-lg px-2 py-2 text-left text-sm hover:bg-surface-sunken disabled:opacity-60"
                disabled={opening !== null}
                onClick={() => void open(hit.messageId)}
              >
                <span className="flex w-full items-center gap-1.5 text-xs text-ink-muted">
                  <span className="truncate font-medium text-ink">
                    {hit.conversationTitle || 'New conversation'}
                  </span>
                  <span aria-hidden="true">·</span>
                  <span className="shrink-0">{hit.role === 'user' ? 'You' : (avatar?.name ?? 'Avatar')}</span>
                  {opening === hit.messageId ? <Spinner className="ml-auto size-3.5" /> : null}
                </span>
                <span className="line-clamp-3 break-words text-ink-muted">
                  <HighlightedSnippet segments={hit.snippet} />
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function ImportSummary({
  results,
  onDismiss,
}: {
  results: ConversationImportResult[];
  onDismiss: () => void;
}) {
  const done = results.filter((r) => r.ok);
  const failed = results.filter((r) => !r.ok);
  return (
    <FormAlert tone={failed.length ? 'error' : 'success'}>
      {done.length
        ? `Imported ${done.length} conversation${done.length === 1 ? '' : 's'}.`
        : 'Nothing was imported.'}
      {failed.length ? (
        <ul className="mt-1 list-disc pl-4">
          {failed.map((r, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: one file may fail more than once
            <li key={index}>
              <span className="font-medium">{r.file}</span>: {r.error?.message ?? 'could not be read.'}
            </li>
          ))}
        </ul>
      ) : null}{' '}
      <button type="button" className="link" onClick={onDismiss}>
        Dismiss
      </button>
    </FormAlert>
  );
}
