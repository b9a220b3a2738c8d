import { LuminaApiError } from '@lumina/sdk';
import { useMutation } from '@tanstack/react-query';
import clsx from 'clsx';
import { ArrowLeft, BookOpen, Brain, RotateCcw } from 'lucide-react';
import { Link, NavLink, useParams } from 'react-router';
import { AvatarPicture } from '../../components/avatars/avatar-picture';
import { FormAlert } from '../../components/form-alert';
import { KnowledgePanel } from '../../components/memory/knowledge-panel';
import { MemoryInspector } from '../../components/memory/memory-inspector';
import { RecallTester } from '../../components/memory/recall-tester';
import { Skeleton } from '../../components/skeleton';
import { friendlyMessage } from '../../lib/api-errors';
import { type Avatar, useAvatar, useAvatarCache } from '../../lib/avatars';
import { useDocumentTitle } from '../../lib/document-title';
import { useLuminaClient } from '../../lib/lumina-client';
import { NotFoundPage } from '../not-found-page';

export type AvatarMemoryTab = 'memory' | 'knowledge';

/**
 * `/avatars/:id/memory` and `/avatars/:id/knowledge`: what an avatar remembers about the person
 * (the inspector and a recall test) and the documents it has read.
 */
export function AvatarMemoryPage({ tab }: { tab: AvatarMemoryTab }) {
  const { id = '' } = useParams();
  const avatar = useAvatar(id);
  useDocumentTitle(
    avatar.data ? `${avatar.data.name} · ${tab === 'memory' ? 'Memory' : 'Knowledge'}` : 'Memory',
  );

  if (avatar.isError) {
    if (avatar.error instanceof LuminaApiError && avatar.error.status === 404) return <NotFoundPage />;
    return (
      <div className="flex flex-col items-start gap-3">
        <FormAlert>{friendlyMessage(avatar.error)}</FormAlert>
        <button type="button" className="btn-secondary" onClick={() => avatar.refetch()}>
          <RotateCcw className="size-4" aria-hidden="true" />
          Try again
        </button>
      </div>
    );
  }
  if (!avatar.data)
    return (
      <div aria-busy="true" className="flex flex-col gap-6">
        <Skeleton className="h-4 w-24" />
        <div className="flex items-center gap-4">
          <Skeleton className="size-14 rounded-xl" />
          <Skeleton className="h-7 w-56" />
        </div>
        <Skeleton className="h-10 w-64" />
        <Skeleton className="h-40 w-full" />
        <span className="sr-only">Loading…</span>
      </div>
    );
  return <AvatarMemory avatar={avatar.data} tab={tab} />;
}

function AvatarMemory({ avatar, tab }: { avatar: Avatar; tab: AvatarMemoryTab }) {
  const lumina = useLuminaClient();
  const cache = useAvatarCache();
  const turnOn = useMutation({
    mutationFn: async () => {
      const { data } = await lumina.PATCH('/api/avatars/{id}', {
        params: { path: { id: avatar.id } },
        body: { memory: { ...avatar.memory, enabled: true } },
      });
      if (!data) throw new Error('The server answered without the avatar');
      return data.avatar;
    },
    onSuccess: (updated) => cache.put(updated),
  });

  return (
    <div className="flex flex-col">
      <div className="mb-6 flex flex-col gap-4">
        <Link
          to={`/avatars/${avatar.id}`}
          className="-ml-1 inline-flex items-center gap-1 self-start rounded px-1 text-sm font-medium text-ink-muted hover:text-ink"
        >
          <ArrowLeft className="size-4" aria-hidden="true" />
          {avatar.name}
        </Link>
        <div className="flex min-w-0 items-center gap-4">
          <AvatarPicture src={avatar.imageUrl} className="size-12 sm:size-14" />
          <div className="min-w-0">
            <h1 className="truncate text-2xl font-semibold tracking-tight text-ink sm:text-[28px] sm:leading-9">
              What {avatar.name} knows
            </h1>
            <p className="mt-0.5 text-sm text-ink-muted">
              {avatar.memory.enabled
                ? avatar.memory.scope === 'shared'
                  ? 'Memory on · shared with your avatars with shared memory'
                  : 'Memory on · its own memories of you'
                : 'Memory off'}
            </p>
          </div>
        </div>
        {turnOn.isError ? <FormAlert>{friendlyMessage(turnOn.error)}</FormAlert> : null}
      </div>

      <nav aria-label="Memory and knowledge" className="mb-5 flex gap-1 border-b border-line">
        <TabLink to={`/avatars/${avatar.id}/memory`} active={tab === 'memory'}>
          <Brain className="size-4" aria-hidden="true" />
          Memories
        </TabLink>
        <TabLink to={`/avatars/${avatar.id}/knowledge`} active={tab === 'knowledge'}>
          <BookOpen className="size-4" aria-hidden="true" />
          Knowledge
        </TabLink>
      </nav>

      {tab === 'memory' ? (
        <div className="flex flex-col gap-6 lg:grid lg:grid-cols-[minmax(0,1fr)_20rem] lg:items-start xl:grid-cols-[minmax(0,1fr)_24rem]">
          <MemoryInspector
            avatar={avatar}
            {...(avatar.owned ? { onTurnOn: () => turnOn.mutate() } : {})}
            turningOn={turnOn.isPending}
          />
          <aside className="min-w-0 lg:sticky lg:top-6">
            <RecallTester avatarId={avatar.id} avatarName={avatar.name} />
          </aside>
        </div>
      ) : (
        <div className="max-w-3xl">
          <p className="mb-4 text-sm text-ink-muted">
            Files {avatar.name} has read. When a chat touches on them, it recalls the passages that fit and
            says which file and page they came from.
          </p>
          <KnowledgePanel avatarId={avatar.id} avatarName={avatar.name} readOnly={!avatar.owned} />
        </div>
      )}
    </div>
  );
}

function TabLink({ to, active, children }: { to: string; active: boolean; children: React.ReactNode }) {
  return (
    <NavLink
      to={to}
      replace
      aria-current={active ? 'page' : undefined}
      className={clsx(
        '-mb-px inline-flex h-10 items-center gap-2 border-b-2 px-3 text-sm font-medium transition-colors',
        active ? 'border-accent text-ink' : 'border-transparent text-ink-muted hover:text-ink',
      )}
    >
      {children}
    </NavLink>
  );
}
