import { BrainCircuit, PowerOff } from 'lucide-react';
import { Link } from 'react-router';

/** Recall without an embedding model finds exact words only; the person is told where to choose one. */
export function NoEmbeddingBanner() {
  return (
    <div
      role="status"
      className="flex flex-col gap-2 rounded-lg border border-warn/30 bg-warn-soft px-3.5 py-3 text-sm text-ink sm:flex-row sm:items-center sm:gap-3"
    >
      <BrainCircuit className="size-4 shrink-0 text-warn max-sm:hidden" aria-hidden="true" />
      <p className="min-w-0 flex-1">
        Recall uses full-text search only: it finds memories that share words with the chat, not ones that
        mean the same. Choose an embedding model in Settings for recall by meaning.
      </p>
      <Link to="/settings/memory" className="btn-secondary h-8 shrink-0 self-start px-3 text-sm sm:self-auto">
        Memory settings
      </Link>
    </div>
  );
}

/** Memory is off (for this avatar, or for the whole account): nothing new is learned or recalled. */
export function MemoryOffNotice({
  reason,
  avatarName,
  onTurnOn,
  pending,
}: {
  reason: 'user' | 'avatar';
  avatarName?: string;
  onTurnOn?: () => void;
  pending?: boolean;
}) {
  return (
    <div
      role="status"
      className="flex flex-col gap-2 rounded-lg border border-line bg-surface-sunken px-3.5 py-3 text-sm text-ink sm:flex-row sm:items-center sm:gap-3"
    >
      <PowerOff className="size-4 shrink-0 text-ink-muted max-sm:hidden" aria-hidden="true" />
      <p className="min-w-0 flex-1">
        {reason === 'user'
          ? 'Memory is off for your account: no avatar learns or recalls anything. What is kept below stays until you delete it.'
          : `Memory is off for ${avatarName ?? 'this avatar'}: it doesn’t learn from your chats or recall what it knows. What is kept below stays until you delete it.`}
      </p>
      {reason === 'user' ? (
        <Link
          to="/settings/memory"
          className="btn-secondary h-8 shrink-0 self-start px-3 text-sm sm:self-auto"
        >
          Turn on in Settings
        </Link>
      ) : onTurnOn ? (
        <button
          type="button"
          className="btn-secondary h-8 shrink-0 self-start px-3 text-sm sm:self-auto"
          disabled={pending}
          onClick={onTurnOn}
        >
          {pending ? 'Turning on…' : 'Turn on memory'}
        </button>
      ) : null}
    </div>
  );
}
