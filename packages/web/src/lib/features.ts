/**
 * Features whose settings are stored but do nothing yet. The UI hides their controls until the
 * feature ships; the values an avatar already has are kept and sent back untouched. Flip one
 * switch to turn a feature's settings on: `memory` (issue 13) and `voice` (issue 14) have shipped.
 */
export const FEATURES = {
  /** Memory between conversations: the avatar editor's Memory section. */
  memory: true,
  /** Voice: the avatar editor's Voice section, calls from a conversation, read-aloud. */
  voice: true,
} as const satisfies Record<string, boolean>;

export type Feature = keyof typeof FEATURES;
