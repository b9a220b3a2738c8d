import { ArrowRight, MessageSquarePlus } from 'lucide-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { AvatarPicture } from '../../components/avatars/avatar-picture';
import { FilledGreeting } from '../../components/avatars/filled-greeting';
import { FormAlert } from '../../components/form-alert';
import { Skeleton } from '../../components/skeleton';
import { newChatPath } from '../../lib/conversations';
import { useDocumentTitle } from '../../lib/document-title';
import { chatModels, useModels } from '../../lib/models';
import { useSession } from '../../lib/session';
import { useChatContext } from './chat-layout';

/**
 * /chat without a conversation open: a friendly start panel with the active avatar (and the
 * way to set up a model first, when there is none). On phones the list above is the page.
 */
export function ChatStartPage() {
  useDocumentTitle('Chat');
  const { activeAvatar, avatars, avatarsLoaded, wide } = useChatContext();
  const user = useSession().data;
  const models = useModels();
  const [others, setOthers] = useState(false);
  const noModel = models.data !== undefined && chatModels(models.data).length === 0;

  if (!wide) return null; // the list is the page on phones

  return (
    <div className="flex min-h-0 flex-1 overflow-y-auto">
      <div className="m-auto flex w-full max-w-lg flex-col items-center px-6 py-12 text-center">
        <h1 className="sr-only">Chat</h1>
        {!avatarsLoaded ? (
          <div className="flex flex-col items-center gap-3" aria-busy="true">
            <Skeleton className="size-20 rounded-full" />
            <Skeleton className="h-6 w-48" />
            <Skeleton className="h-16 w-80 rounded-2xl" />
          </div>
        ) : activeAvatar ? (
          <>
            <AvatarPicture src={activeAvatar.imageUrl} className="size-20 rounded-full!" />
            <h2 className="mt-4 max-w-full text-xl font-semibold break-words text-ink">
              Talk with {activeAvatar.name}
            </h2>
            {activeAvatar.greeting && user ? (
              <div
                className="mt-3 line-clamp-6 w-full rounded-2xl rounded-tl-sm bg-surface-sunken px-4 py-3 text-left text-[15px] text-ink"
                data-testid="start-greeting"
              >
                <FilledGreeting text={activeAvatar.greeting} avatar={activeAvatar} user={user} />
              </div>
            ) : activeAvatar.description ? (
              <p className="mt-2 max-w-full break-words text-ink-muted">{activeAvatar.description}</p>
            ) : null}
            {noModel ? (
              <FormAlert tone="info" className="mt-5 text-left">
                No model is set up yet, so {activeAvatar.name} can’t answer.{' '}
                <Link to="/" className="link">
                  Set one up on the Home page
                </Link>{' '}
                — it takes a minute.
              </FormAlert>
            ) : null}
            <Link to={newChatPath(activeAvatar.id)} className="btn-primary mt-6 h-10 px-5">
              <MessageSquarePlus className="size-4" aria-hidden="true" />
              Start a conversation
            </Link>
            {avatars.length > 1 ? (
              <div className="mt-6 w-full">
                <button
                  type="button"
                  className="link text-sm"
                  aria-expanded={others}
                  onClick={() => setOthers((o) => !o)}
                >
                  {others ? 'Hide other avatars' : 'Or talk with another avatar'}
                </button>
                {others ? (
                  <ul className="mt-3 grid grid-cols-1 gap-2 text-left sm:grid-cols-2">
                    {avatars
                      .filter((a) => a.id !== activeAvatar.id)
                      .map((avatar) => (
                        <li key={avatar.id}>
                          <Link
                            to={newChatPath(avatar.id)}
                            className="flex w-full items-center gap-2 rounded-lg border border-line bg-surface px-2.5 py-2 text-sm text-ink hover:border-line-strong hover:bg-surface-sunken"
                          >
                            <AvatarPicture src={avatar.imageUrl} className="size-7 rounded-full!" />
                            <span className="min-w-0 truncate" title={avatar.name}>
                              {avatar.name}
                            </span>
                          </Link>
                        </li>
                      ))}
                  </ul>
                ) : null}
              </div>
            ) : null}
          </>
        ) : (
          <>
            <MessageSquarePlus className="size-10 text-ink-subtle" aria-hidden="true" />
            <h2 className="mt-3 text-xl font-semibold text-ink">No avatar to talk with yet</h2>
            <p className="mt-1 text-ink-muted">
              Pick a personality from the templates or import a character card.
            </p>
            <Link to="/avatars" className="btn-primary mt-5">
              Go to Avatars
              <ArrowRight className="size-4" aria-hidden="true" />
            </Link>
          </>
        )}
      </div>
    </div>
  );
}
