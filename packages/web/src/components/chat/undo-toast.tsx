import { Undo2, X } from 'lucide-react';
import { usePendingDeletes } from '../../lib/use-pending-deletes';

/**
 * "Conversation deleted · Undo" while a delete waits (lib/use-pending-deletes.tsx), and the
 * failure if the server refused it. Announced politely; never takes focus.
 */
export function UndoToast() {
  const { pending, undo, commit, failed, dismissFailure } = usePendingDeletes();
  const latest = pending.at(-1);
  return (
    <div
      role="status"
      aria-live="polite"
      className="pointer-events-none fixed inset-x-3 bottom-24 z-40 flex flex-col items-center gap-2 md:inset-x-auto md:bottom-5 md:left-1/2 md:-translate-x-1/2"
    >
      {latest ? (
        <div className="pointer-events-auto flex w-full max-w-sm animate-fade-in items-center gap-3 rounded-xl border border-line bg-ink py-2 pr-2 pl-4 text-sm text-canvas shadow-pop dark:border-line-strong">
          <p className="min-w-0 flex-1 truncate">
            Deleted “{latest.title}”{pending.length > 1 ? ` and ${pending.length - 1} more` : ''}
          </p>
          <button
            type="button"
            className="inline-flex h-8 items-center gap-1.5 rounded-lg px-2.5 font-semibold underline underline-offset-2 hover:bg-canvas/10"
            onClick={() => undo(latest.id)}
          >
            <Undo2 className="size-4" aria-hidden="true" />
            Undo
          </button>
          <button
            type="button"
            className="inline-flex size-8 items-center justify-center rounded-lg hover:bg-canvas/10"
            aria-label="Delete now"
            title="Delete now"
            onClick={() => commit(latest.id)}
          >
            <X className="size-4" aria-hidden="true" />
          </button>
        </div>
      ) : null}
      {failed ? (
        <div className="pointer-events-auto flex w-full max-w-sm items-center gap-3 rounded-xl border border-bad/30 bg-bad-soft py-2 pr-2 pl-4 text-sm text-ink shadow-pop">
          <p className="min-w-0 flex-1">{failed}</p>
          <button type="button" className="icon-btn size-8" aria-label="Dismiss" onClick={dismissFailure}>
            <X className="size-4" aria-hidden="true" />
          </button>
        </div>
      ) : null}
    </div>
  );
}
