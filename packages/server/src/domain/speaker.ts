import type { ParticipantKind } from './participant.js';

/** Who speaks a message: an avatar, or a person (a user of this server). */
export interface Speaker {
  kind: ParticipantKind;
  id: string;
}

/** The speaker recorded on a message; null for system text and rows stored before speakers. */
export function speakerOf(message: {
  speakerAvatarId: string | null;
  speakerUserId: string | null;
}): Speaker | null {
  if (message.speakerAvatarId) return { kind: 'avatar', id: message.speakerAvatarId };
  if (message.speakerUserId) return { kind: 'user', id: message.speakerUserId };
  return null;
}

/** The columns that record `speaker` on a message row. */
export function speakerColumns(speaker: Speaker | null): {
  speakerAvatarId: string | null;
  speakerUserId: string | null;
} {
  return {
    speakerAvatarId: speaker?.kind === 'avatar' ? speaker.id : null,
    speakerUserId: speaker?.kind === 'user' ? speaker.id : null,
  };
}
