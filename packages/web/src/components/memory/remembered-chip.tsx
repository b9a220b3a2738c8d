import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { BookOpen, Brain, ChevronDown, MessageSquareText } from 'lucide-react';
import { Link } from 'react-router';
import { formatDate } from '../../lib/format';
import { citation, describeRecalled, messageLink, type RecalledRef, recalledOf } from '../../lib/memory';

/**
 * "Remembered 3" under a reply that used recalled memories, past messages or documents; it opens
 * a list of them (the memory's text, the message's excerpt and date with a link to it, the
 * document's name and page). Nothing shows for a reply that recalled nothing.
 */
export function RememberedChip({ metadata }: { metadata: unknown }) {
  const refs = recalledOf(metadata);
  if (refs.length === 0) return null;
  const summary = describeRecalled(refs);
  return (
    <DropdownMenu.Root modal={false}>
      <DropdownMenu.Trigger
        className="mt-2 inline-flex h-7 items-center gap-1.5 rounded-full border border-line bg-surface px-2.5 text-xs font-medium text-ink-muted transition-colors hover:border-line-strong hover:text-ink data-[state=open]:border-accent data-[state=open]:text-ink"
        aria-label={`Remembered ${refs.length}: ${summary}`}
        title={`This reply used ${summary}`}
      >
        <Brain className="size-3.5 text-accent" aria-hidden="true" />
        Remembered {refs.length}
        <ChevronDown className="size-3" aria-hidden="true" />
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="start"
          sideOffset={6}
          collisionPadding={8}
          className="z-50 flex max-h-[min(24rem,var(--radix-dropdown-menu-content-available-height))] w-[min(24rem,calc(100vw-1rem))] animate-fade-in flex-col overflow-hidden rounded-xl border border-line bg-surface-raised shadow-pop dark:border-line-strong"
        >
          <DropdownMenu.Label className="border-b border-line px-3.5 py-2.5 text-xs text-ink-muted">
            This reply used {summary}.
          </DropdownMenu.Label>
          <div className="overflow-y-auto p-1">
            {refs.map((ref) => (
              <RecalledEntry key={`${ref.type}-${ref.id}`} entry={ref} />
            ))}
          </div>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

const entryClass =
  'flex w-full cursor-default items-start gap-2.5 rounded-lg px-2.5 py-2 text-left text-sm text-ink outline-none select-none data-[highlighted]:bg-surface-sunken';

function RecalledEntry({ entry }: { entry: RecalledRef }) {
  const Icon = entry.type === 'memory' ? Brain : entry.type === 'document' ? BookOpen : MessageSquareText;
  const kind =
    entry.type === 'memory'
      ? 'Memory'
      : entry.type === 'document'
        ? citation(entry)
        : `Your message${entry.createdAt ? ` · ${formatDate(entry.createdAt)}` : ''}`;
  const link =
    entry.type === 'message' && entry.conversationId
      ? messageLink(entry.conversationId, entry.sourceMessageId ?? entry.id)
      : entry.type === 'memory' && entry.conversationId
        ? messageLink(entry.conversationId, entry.sourceMessageId)
        : null;
  const body = (
    <>
      <Icon className="mt-0.5 size-4 shrink-0 text-ink-subtle" aria-hidden="true" />
      <span className="flex min-w-0 flex-col gap-0.5">
        <span className="line-clamp-3 break-words">{entry.excerpt || '(no text)'}</span>
        <span className="truncate text-xs text-ink-muted">
          {kind}
          {link ? <span className="text-accent-soft-ink"> · Open</span> : null}
        </span>
      </span>
    </>
  );
  return link ? (
    <DropdownMenu.Item className={entryClass} asChild>
      <Link to={link}>{body}</Link>
    </DropdownMenu.Item>
  ) : (
    <DropdownMenu.Item className={entryClass}>{body}</DropdownMenu.Item>
  );
}
