import { type CallMode, CLOSE_REASONS, type ServerMessage, type TurnTiming } from './protocol';

/**
 * What the call screen shows, as a pure reducer over the server's events and the person's
 * actions (use-voice-call.ts feeds it; the tests drive it directly).
 *
 * connecting → listening ⇄ hearing (the person speaks) → thinking (their turn is stored, the
 * reply is being written) → speaking (its audio plays) → listening …; `ended` after a hang-up
 * or a normal close, `failed` after an error that ended the call.
 */
export type CallPhase = 'connecting' | 'listening' | 'hearing' | 'thinking' | 'speaking' | 'ended' | 'failed';

export interface CallTurn {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  /** An assistant turn the person talked over: its text is what they heard. */
  interrupted?: boolean;
}

export interface CallError {
  code: string;
  message: string;
}

export interface CallState {
  phase: CallPhase;
  mode: CallMode;
  muted: boolean;
  /** Push-to-talk is held down. */
  talking: boolean;
  /** What is understood of the person's current utterance so far (final words and the live guess). */
  partial: string;
  /**
   * The words of the current utterance the recogniser has made final (its segments so far, sent
   * at short pauses); `partial` starts with them. Cleared when the turn is stored.
   */
  heard: string;
  /** The finished turns of this call, oldest first. */
  turns: CallTurn[];
  /** The reply being written and spoken now. */
  reply: { messageId: string | null; text: string } | null;
  /** The last turn's timings (docs/voice.md `turn_timing`). */
  timing: TurnTiming | null;
  /** The last error; with phase `failed` it ended the call, otherwise the call goes on. */
  error: CallError | null;
  engines: { vad: string; stt: string; tts: string } | null;
}

export type CallAction =
  | { type: 'connect'; mode: CallMode }
  | { type: 'server'; message: ServerMessage }
  | { type: 'closed'; code: number }
  | { type: 'failed'; error: CallError }
  | { type: 'mute'; muted: boolean }
  | { type: 'talk'; down: boolean }
  | { type: 'playback_ended' }
  | { type: 'cancel' }
  | { type: 'dismiss_error' }
  | { type: 'hang_up' };

export function initialCallState(mode: CallMode = 'hands_free'): CallState {
  return {
    phase: 'connecting',
    mode,
    muted: false,
    talking: false,
    partial: '',
    heard: '',
    turns: [],
    reply: null,
    timing: null,
    error: null,
    engines: null,
  };
}

const over = (state: CallState) => state.phase === 'ended' || state.phase === 'failed';

export function callReducer(state: CallState, action: CallAction): CallState {
  switch (action.type) {
    case 'connect': {
      // A new session (mode switch): a reply cut off by it stays in the transcript, as interrupted.
      const cut = state.reply?.text
        ? [
            {
              id: state.reply.messageId ?? `reply-${state.turns.length}`,
              role: 'assistant' as const,
              text: state.reply.text,
              interrupted: true,
            },
          ]
        : [];
      return { ...initialCallState(action.mode), muted: state.muted, turns: [...state.turns, ...cut] };
    }
    case 'server':
      return over(state) ? state : onServerMessage(state, action.message);
    case 'closed': {
      if (over(state)) return state;
      if (action.code === 1000) return { ...state, phase: 'ended', talking: false };
      const reason = CLOSE_REASONS[action.code];
      return {
        ...state,
        phase: 'failed',
        talking: false,
        // The `error` event before a fatal close says it best; the close code is the fallback.
        error: state.error ?? {
          code: `closed_${action.code}`,
          message: reason ?? 'The connection to the server was lost. The call has ended.',
        },
      };
    }
    case 'failed':
      return over(state) ? state : { ...state, phase: 'failed', talking: false, error: action.error };
    case 'mute':
      return { ...state, muted: action.muted, talking: action.muted ? false : state.talking };
    case 'talk':
      if (over(state) || state.mode !== 'push_to_talk' || state.muted) return state;
      return { ...state, talking: action.down };
    case 'playback_ended':
      return state.phase === 'speaking' ? { ...state, phase: 'listening' } : state;
    case 'cancel':
      return state.phase === 'speaking' || state.phase === 'thinking'
        ? { ...state, phase: 'listening' }
        : state;
    case 'dismiss_error':
      return over(state) ? state : { ...state, error: null };
    case 'hang_up':
      return over(state) ? state : { ...state, phase: 'ended', talking: false };
  }
}

function onServerMessage(state: CallState, message: ServerMessage): CallState {
  switch (message.type) {
    case 'ready':
      return { ...state, phase: 'listening', mode: message.mode, engines: message.engines };
    case 'vad':
      if (message.speaking) return state.phase === 'listening' ? { ...state, phase: 'hearing' } : state;
      return state.phase === 'hearing' && !state.partial ? { ...state, phase: 'listening' } : state;
    case 'partial_transcript':
      return {
        ...state,
        partial: message.text,
        // Partials start with the turn's final words; one that does not belongs to a new
        // utterance (the last one ended without a stored turn, e.g. the recogniser failed).
        heard: message.text.startsWith(state.heard) ? state.heard : '',
        phase: state.phase === 'listening' ? 'hearing' : state.phase,
      };
    case 'segment_transcript':
      return {
        ...state,
        heard: message.turnText,
        // A partial that went further (the next segment already heard) stays.
        partial: state.partial.startsWith(message.turnText) ? state.partial : message.turnText,
        phase: state.phase === 'listening' ? 'hearing' : state.phase,
      };
    case 'final_transcript':
      return {
        ...state,
        phase: 'thinking',
        partial: '',
        heard: '',
        reply: null,
        turns: [...state.turns, { id: message.messageId, role: 'user', text: message.text }],
      };
    case 'assistant_delta': {
      const messageId = message.messageId ?? state.reply?.messageId ?? null;
      const same = state.reply && (state.reply.messageId === messageId || message.messageId === undefined);
      return {
        ...state,
        reply: { messageId, text: (same ? state.reply!.text : '') + message.text },
      };
    }
    case 'tts_start':
      return { ...state, phase: 'speaking' };
    case 'interrupted':
      return {
        ...state,
        phase: state.phase === 'speaking' || state.phase === 'thinking' ? 'hearing' : state.phase,
      };
    case 'assistant_end': {
      const turn: CallTurn = {
        id: message.messageId,
        role: 'assistant',
        text: message.text,
        ...(message.interrupted ? { interrupted: true } : {}),
      };
      // A reply interrupted before any of it was heard comes back empty: the server deletes it,
      // and so does the transcript.
      const kept = state.turns.filter((t) => t.id !== turn.id);
      const turns = !turn.text
        ? kept
        : state.turns.some((t) => t.id === turn.id)
          ? state.turns.map((t) => (t.id === turn.id ? turn : t))
          : [...state.turns, turn];
      return {
        ...state,
        turns,
        reply: state.reply?.messageId === message.messageId || !state.reply ? null : state.reply,
        phase: state.phase === 'thinking' ? 'listening' : state.phase,
      };
    }
    case 'turn_timing': {
      const { type: _type, ...timing } = message;
      return { ...state, timing };
    }
    case 'error':
      return { ...state, error: { code: message.code, message: message.message } };
    case 'tts_end':
    case 'visemes':
      return state;
  }
}

/**
 * The latency readout: the reply's first sound after the person stopped speaking, the moment
 * the call feels answered (voice-to-voice), with the parts that make it up.
 */
export function describeTiming(timing: TurnTiming | null): { total: number | null; parts: string[] } {
  if (!timing) return { total: null, parts: [] };
  const parts: string[] = [];
  // The words were final at the last short pause: usually before the turn ended (negative).
  if (timing.segmentFinalMs != null) {
    const ms = Math.round(timing.segmentFinalMs);
    parts.push(ms < 0 ? `words final ${-ms} ms before the turn ended` : `words final ${ms} ms`);
  }
  if (timing.finalTranscriptMs != null) parts.push(`transcript ${Math.round(timing.finalTranscriptMs)} ms`);
  if (timing.llmFirstTokenMs != null) parts.push(`first word ${Math.round(timing.llmFirstTokenMs)} ms`);
  if (timing.firstTtsByteMs != null) parts.push(`first audio ${Math.round(timing.firstTtsByteMs)} ms`);
  const total = timing.firstAudioSentMs ?? timing.firstTtsByteMs ?? null;
  return { total: total == null ? null : Math.round(total), parts };
}
