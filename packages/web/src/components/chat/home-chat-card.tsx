import { ArrowRight, MessageSquarePlus } from 'lucide-react';
import { Link } from 'react-router';
import { resolveActiveAvatar, useActiveAvatarId } from '../../lib/active-avatar';
import { useAvatars } from '../../lib/avatars';
import { lastActivity } from '../../lib/conversation-groups';
import { displayTitle, newChatPath, useConversations } from '../../lib/conversations';
import { formatRelativeTime } from '../../lib/format';
import type { User } from '../../lib/session';
import { AvatarPicture } from '../avatars/avatar-picture';
import { Skeleton } from '../skeleton';

/** Home's main path: start a conversation with the active avatar, or go back to a recent one. */
export function HomeChatCard({ user }: { user: User }) {
  const avatars = useAvatars({});
  const [storedId] = useActiveAvatarId(user.id);
  const avatar = avatars.data ? resolveActiveAvatar(avatars.data, storedId) : null;
  const recent = useConversations({ archived: false });
  const conversations = recent.data?.pages[0]?.conversations.slice(0, 4) ?? [];
  const avatarOf = (id: string) => avatars.data?.find((a) => a.id === id);

  return (
    <section aria-labelledby="chat-heading" className="card overflow-hidden">
      <div className="flex flex-col gap-4 p-5 sm:flex-row sm:items-center sm:p-6">
        {avatar ? (
          <AvatarPicture src={avatar.imageUrl} className="size-12 rounded-full!" />
        ) : (
          <span className="flex size-12 shrink-0 items-center justify-center rounded-full bg-accent-soft text-accent-soft-ink">
            <MessageSquarePlus className="size-5" aria-hidden="true" />
          </span>
        )}
        <div className="min-w-0 flex-1">
          <h2 id="chat-heading" className="text-lg font-semibold text-ink">
            {avatar ? `Chat with ${avatar.name}` : 'Chat'}
          </h2>
          <p className="text-sm text-ink-muted">
            {avatar
              ? 'Replies stream in as they are written; regenerate, edit and branch any time.'
              : 'Choose an avatar to talk with first.'}
          </p>
        </div>
        {avatar ? (
          <Link to={newChatPath(avatar.id)} className="btn-primary h-10 shrink-0 px-4">
            <MessageSquarePlus className="size-4" aria-hidden="true" />
            Start a conversation
          </Link>
        ) : avatars.data ? (
          <Link to="/avatars" className="btn-primary shrink-0">
            Go to Avatars
          </Link>
        ) : null}
      </div>
      {recent.isPending ? (
        <div className="flex flex-col gap-2 border-t border-line px-5 py-4 sm:px-6" aria-hidden="true">
          <Skeleton className="h-4 w-1/2" />
          <Skeleton className="h-4 w-1/3" />
        </div>
      ) : conversations.length > 0 ? (
        <div className="border-t border-line">
          <div className="flex items-center justify-between px-5 pt-3 pb-1 sm:px-6">
            <h3 className="text-xs font-medium text-ink-muted">Recent conversations</h3>
            <Link
              to="/chat"
              className="inline-flex items-center gap-1 rounded text-sm font-medium text-accent-soft-ink hover:underline"
            >
              All chats
              <ArrowRight className="size-4" aria-hidden="true" />
            </Link>
          </div>
          <ul className="px-2 pb-2 sm:px-3">
            {conversations.map((conversation) => {
              const other = avatarOf(conversation.avatarId);
              return (
                <li key={conversation.id}>
                  <Link
                    to={`/chat/${conversation.id}`}
                    className="flex items-center gap-3 rounded-lg px-3 py-2 text-sm hover:bg-surface-sunken"
                  >
                    {other ? <AvatarPicture src={other.imageUrl} className="size-7 rounded-full!" /> : null}
                    <span className="min-w-0 flex-1 truncate font-medium text-ink">
                      {displayTitle(conversation)}
                    </span>
                    <span className="shrink-0 text-xs text-ink-muted">
                      {formatRelativeTime(lastActivity(conversation))}
                    </span>
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
