/**
 * Who takes part in a conversation. A person is the `owner` (one per conversation: the user who
 * created it), a `participant` (may write), or a `viewer` (may read). Avatars are participants:
 * they answer. Today's one-avatar conversations hold their owner and one avatar.
 */
export const PARTICIPANT_ROLES = ['owner', 'participant', 'viewer'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

export const PARTICIPANT_KINDS = ['avatar', 'user'] as const;
export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];
