import type { components } from '@lumina/sdk';
import { AvatarPicture } from '../avatars/avatar-picture';

export type ConversationParticipant = components['schemas']['Participant'];

/** How many faces the stack shows before "+n". */
const SHOWN = 4;

/**
 * Who takes part in a conversation, as a small row of overlapping faces for the chat header:
 * its avatars (the conversation's own first), then the people other than you. Names are in the
 * tooltip and for screen readers; a one-avatar chat shows one face.
 */
export function ParticipantStack({
  participants,
  viewerId,
}: {
  participants: ConversationParticipant[];
  viewerId?: string | undefined;
}) {
  const shown = [
    ...participants.filter((p) => p.kind === 'avatar').sort((a, b) => Number(b.primary) - Number(a.primary)),
    ...participants.filter((p) => p.kind === 'user' && p.userId !== viewerId),
  ];
  if (shown.length === 0) return null;
  const names = shown.map((p) => p.name).join(', ');
  const rest = shown.length - SHOWN;
  return (
    <div
      className="flex shrink-0 items-center -space-x-2"
      role="img"
      aria-label={`In this chat: ${names}`}
      title={names}
    >
      {shown.slice(0, SHOWN).map((p) =>
        p.imageUrl ? (
          <AvatarPicture key={p.id} src={p.imageUrl} className="size-8 rounded-full! ring-2 ring-surface" />
        ) : (
          <span
            key={p.id}
            aria-hidden="true"
            className="grid size-8 place-items-center rounded-full bg-surface-sunken text-xs font-semibold text-ink-muted ring-2 ring-surface"
          >
            {p.name.trim().charAt(0).toUpperCase() || '?'}
          </span>
        ),
      )}
      {rest > 0 ? (
        <span
          aria-hidden="true"
          className="grid size-8 place-items-center rounded-full bg-surface-sunken text-xs text-ink-muted ring-2 ring-surface"
        >
          +{rest}
        </span>
      ) : null}
    </div>
  );
}
