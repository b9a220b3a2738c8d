/**
 * Who takes part in a conversation. A person is the `owner` (one per conversation: the user who
 * created it), a `participant` (may write), or a `viewer` (may read). Avatars are participants:
 * they answer. Today's one-avatar conversations hold their owner and one avatar.
 */
export const PARTICIPANT_ROLES = ['owner', 'participant', 'viewer'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

export const PARTICIPANT_KINDS = ['avatar', 'user'] as const;
export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];

/** One participant as a conversation shows it: who, in which role, and what to call them. */
export interface Participant {
  id: string;
  conversationId: string;
  kind: ParticipantKind;
  role: ParticipantRole;
  /** Set for an avatar (kind `avatar`). */
  avatarId: string | null;
  /** Set for a person (kind `user`). */
  userId: string | null;
  /** The conversation's own avatar (`conversations.avatar_id`): answers by default, never removed. */
  primary: boolean;
  /** The avatar's name, or the person's display name. */
  name: string;
  /** Avatars: what versions the picture URL (the picture's id, else when the avatar last changed). */
  pictureVersion: string | null;
  createdAt: Date;
}

/** Who speaks a message: an avatar or a person; null for system text. */
export type SpeakerRef = { kind: ParticipantKind; id: string } | null;

/**
 * The turn a new message belongs to: a user message (or a message with no parent, such as a
 * greeting) opens its own turn; everything else joins the turn of its parent. Migration 0008
 * backfilled older messages by the same rule.
 * @example turnIdFor({ id, role: 'assistant', parentId }, parent.turnId)
 */
export function turnIdFor(
  message: { id: string; role: string; parentId: string | null },
  parentTurnId: string | null | undefined,
): string {
  if (message.role === 'user' || message.parentId === null) return message.id;
  return parentTurnId ?? message.parentId;
}
