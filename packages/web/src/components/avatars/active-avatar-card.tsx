import { ArrowRight, RotateCcw, Sparkles } from 'lucide-react';
import { Link } from 'react-router';
import { resolveActiveAvatar, useActiveAvatarId } from '../../lib/active-avatar';
import { useAvatars } from '../../lib/avatars';
import type { User } from '../../lib/session';
import { Skeleton } from '../skeleton';
import { AvatarPicture } from './avatar-picture';
import { FilledGreeting } from './filled-greeting';

/** Home's "your avatar" card: the active avatar, its greeting addressed to you, and where to go. */
export function ActiveAvatarCard({ user }: { user: User }) {
  const avatars = useAvatars({});
  const [storedId] = useActiveAvatarId(user.id);
  const avatar = avatars.data ? resolveActiveAvatar(avatars.data, storedId) : null;

  if (avatars.isError && !avatars.data) {
    return (
      <section
        aria-labelledby="active-avatar-heading"
        className="card flex flex-col items-start gap-3 p-5 sm:p-6"
      >
        <h2 id="active-avatar-heading" className="font-semibold text-ink">
          Your avatar
        </h2>
        <p className="text-sm text-ink-muted">Your avatars couldn’t be loaded.</p>
        <button type="button" className="btn-secondary" onClick={() => avatars.refetch()}>
          <RotateCcw className="size-4" aria-hidden="true" />
          Try again
        </button>
      </section>
    );
  }

  if (avatars.data && !avatar) {
    return (
      <section
        aria-labelledby="active-avatar-heading"
        className="card flex flex-col gap-4 p-5 sm:flex-row sm:items-center sm:p-6"
      >
        <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-accent-soft text-accent-soft-ink">
          <Sparkles className="size-5" aria-hidden="true" />
        </span>
        <div className="min-w-0 flex-1">
          <h2 id="active-avatar-heading" className="font-semibold text-ink">
            Meet your first avatar
          </h2>
          <p className="text-sm text-ink-muted">
            Pick a personality from the templates or import a character card.
          </p>
        </div>
        <Link to="/avatars" className="btn-primary">
          Go to Avatars
        </Link>
      </section>
    );
  }

  return (
    <section aria-labelledby="active-avatar-heading" className="card overflow-hidden">
      <div className="flex items-center gap-3 border-b border-line px-5 py-3 sm:px-6">
        <h2 id="active-avatar-heading" className="text-sm font-medium text-ink-muted">
          Your active avatar
        </h2>
        <Link
          to="/avatars"
          className="ml-auto inline-flex items-center gap-1 rounded text-sm font-medium text-accent-soft-ink hover:underline"
        >
          Change
          <ArrowRight className="size-4" aria-hidden="true" />
        </Link>
      </div>
      {avatar ? (
        <div className="flex flex-col gap-4 p-5 sm:flex-row sm:items-start sm:p-6">
          <AvatarPicture src={avatar.imageUrl} className="size-16" />
          <div className="min-w-0 flex-1">
            <p className="text-lg font-semibold break-words text-ink">
              <Link to={`/avatars/${avatar.id}`} className="hover:underline">
                {avatar.name}
              </Link>
            </p>
            {avatar.description ? (
              <p className="text-sm break-words text-ink-muted">{avatar.description}</p>
            ) : null}
            {avatar.greeting ? (
              <blockquote
                className="mt-3 rounded-2xl rounded-tl-sm bg-surface-sunken px-4 py-3 text-[15px] text-ink"
                data-testid="active-greeting"
              >
                <FilledGreeting text={avatar.greeting} avatar={avatar} user={user} />
              </blockquote>
            ) : (
              <p className="mt-3 text-sm text-ink-muted italic">
                No greeting yet.{' '}
                {avatar.owned ? (
                  <Link to={`/avatars/${avatar.id}`} className="link not-italic">
                    Write one
                  </Link>
                ) : null}
              </p>
            )}
          </div>
        </div>
      ) : (
        <div className="flex gap-4 p-5 sm:p-6" aria-busy="true">
          <Skeleton className="size-16 rounded-xl" />
          <div className="flex-1">
            <Skeleton className="h-6 w-32" />
            <Skeleton className="mt-2 h-4 w-2/3" />
            <Skeleton className="mt-4 h-12 w-full rounded-2xl" />
          </div>
        </div>
      )}
    </section>
  );
}
