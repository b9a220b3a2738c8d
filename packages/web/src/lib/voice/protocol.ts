/**
 * The /ws/voice wire format as docs/voice.md states it (the server's voice-socket route is the
 * other side). JSON text frames both ways; binary frames are PCM16LE mono audio: the mic's at
 * the rate `start` declared, the avatar's at the rate of the last `tts_start`.
 */

export type CallMode = 'hands_free' | 'push_to_talk';

export type ClientMessage =
  | { type: 'start'; sampleRate: number; mode: CallMode }
  | { type: 'end' }
  | { type: 'cancel' }
  | { type: 'playback'; playedMs: number }
  | { type: 'mute'; muted: boolean };

export interface TurnTiming {
  turnId: string;
  speechEndMs: number | null;
  /** The turn's last segment final, from the end of the turn: negative when it came before (newer servers). */
  segmentFinalMs?: number | null;
  finalTranscriptMs: number | null;
  llmFirstTokenMs: number | null;
  firstTtsByteMs: number | null;
  firstAudioSentMs: number | null;
}

export interface Viseme {
  atMs: number;
  shape: string;
}

export type ServerMessage =
  | {
      type: 'ready';
      sessionId: string;
      sampleRate: number;
      mode: CallMode;
      engines: { vad: string; stt: string; tts: string };
    }
  | { type: 'vad'; speaking: boolean }
  /** The turn so far: its final segments and the recogniser's current hypothesis. */
  | { type: 'partial_transcript'; text: string }
  /** A segment's final words, sent at a short pause; `turnText` is the turn's final words so far. */
  | { type: 'segment_transcript'; index: number; text: string; turnText: string }
  | { type: 'final_transcript'; text: string; messageId: string }
  | { type: 'assistant_delta'; text: string; messageId?: string }
  | { type: 'tts_start'; sampleRate: number; messageId?: string }
  | { type: 'visemes'; items: Viseme[] }
  | { type: 'tts_end'; messageId?: string }
  | { type: 'interrupted'; messageId?: string }
  | { type: 'assistant_end'; messageId: string; text: string; interrupted: boolean }
  | ({ type: 'turn_timing' } & TurnTiming)
  | { type: 'error'; code: string; message: string };

const KNOWN = new Set<ServerMessage['type']>([
  'ready',
  'vad',
  'partial_transcript',
  'segment_transcript',
  'final_transcript',
  'assistant_delta',
  'tts_start',
  'visemes',
  'tts_end',
  'interrupted',
  'assistant_end',
  'turn_timing',
  'error',
]);

/**
 * Reads one JSON text frame of the server's. Returns null for anything that is not a known
 * event (a newer server may add some; the call goes on without them).
 * @example parseServerMessage('{"type":"vad","speaking":true}') // { type: 'vad', speaking: true }
 */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !KNOWN.has(type as ServerMessage['type'])) return null;
  return value as ServerMessage;
}

/** Close codes of docs/voice.md that end a call for a reason the person should read. */
export const CLOSE_REASONS: Record<number, string> = {
  1008: 'Your session has ended. Sign in again to call.',
  1009: 'The call sent more data than the server accepts.',
  4400: 'The server could not read the call’s audio.',
  4408: 'The call ended after a long silence.',
  4429: 'Too many calls are running right now. Try again in a moment.',
  4503: 'The speech engines are not available on this server.',
};
