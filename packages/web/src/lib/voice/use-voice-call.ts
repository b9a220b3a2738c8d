import { useCallback, useEffect, useReducer, useRef } from 'react';
import { createSpeakerQueue } from './audio-sink';
import { callReducer, initialCallState } from './call-state';
import { type MicCapture, MicError, startMicCapture } from './mic-capture';
import type { PlaybackQueue } from './playback-queue';
import { type CallMode, type ClientMessage, parseServerMessage } from './protocol';

/** How long without sending before the keep-alive (well inside the server's 60 s idle limit). */
const KEEPALIVE_MS = 25_000;

/** The /ws/voice address for a conversation, on this page's origin. */
export function voiceSocketUrl(
  conversationId: string,
  location: Pick<Location, 'protocol' | 'host'> = window.location,
) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws/voice?conversationId=${encodeURIComponent(conversationId)}`;
}

/**
 * One voice call in a conversation: the mic (AudioWorklet, 16 kHz PCM16 frames) and the
 * speakers (a playback queue) wired to /ws/voice, with the screen's state from call-state.ts.
 * The call starts when the component mounts and ends (socket closed with 1000, mic released)
 * on `hangUp` or unmount; it never reconnects by itself.
 */
export function useVoiceCall(conversationId: string, initialMode: CallMode = 'hands_free') {
  const [state, dispatch] = useReducer(callReducer, initialMode, initialCallState);
  const socket = useRef<WebSocket | null>(null);
  const mic = useRef<MicCapture | null>(null);
  const queue = useRef<PlaybackQueue | null>(null);
  const micLevel = useRef(0);
  // What the frame sender reads on the audio callback, without re-rendering per frame.
  const live = useRef({ muted: false, mode: initialMode, talking: false, started: false });
  // Playback the person stopped themselves (push-to-talk during a reply): reported when the server confirms.
  const stoppedAtMs = useRef<number | null>(null);

  const lastSent = useRef(0);
  const send = useCallback((message: ClientMessage | ArrayBuffer) => {
    const ws = socket.current;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(message instanceof ArrayBuffer ? message : JSON.stringify(message));
    lastSent.current = Date.now();
  }, []);

  // The server ends a call after 60 s with nothing received (4408). Muted, or waiting in
  // push-to-talk, no audio goes out: the mute state, said again, shows the call is still open.
  useEffect(() => {
    const timer = setInterval(() => {
      if (live.current.started && Date.now() - lastSent.current > KEEPALIVE_MS)
        send({ type: 'mute', muted: live.current.muted });
    }, 5_000);
    return () => clearInterval(timer);
  }, [send]);

  const openSocket = useCallback(
    (mode: CallMode) => {
      live.current.started = false;
      live.current.mode = mode;
      dispatch({ type: 'connect', mode });
      const ws = new WebSocket(voiceSocketUrl(conversationId));
      ws.binaryType = 'arraybuffer';
      socket.current = ws;
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: 'start', sampleRate: mic.current?.sampleRate ?? 16_000, mode }));
      };
      ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
        if (socket.current !== ws) return;
        if (typeof event.data !== 'string') {
          queue.current?.push(event.data);
          return;
        }
        const message = parseServerMessage(event.data);
        if (!message) return;
        const playback = queue.current;
        if (message.type === 'ready') {
          // Audio and other messages go after `ready` (docs/voice.md); a mute chosen meanwhile too.
          live.current.started = true;
          if (live.current.muted) send({ type: 'mute', muted: true });
        } else if (message.type === 'tts_start') {
          stoppedAtMs.current = null;
          playback?.begin(message.messageId ?? null, message.sampleRate);
        } else if (message.type === 'tts_end') playback?.finish(message.messageId ?? null);
        else if (message.type === 'visemes') playback?.addVisemes(message.items);
        else if (message.type === 'interrupted') {
          const heard = playback?.playing
            ? playback.interrupt()
            : (stoppedAtMs.current ?? playback?.interrupt() ?? 0);
          stoppedAtMs.current = null;
          send({ type: 'playback', playedMs: heard });
        }
        dispatch({ type: 'server', message });
      };
      ws.onclose = (event) => {
        if (socket.current !== ws) return;
        socket.current = null;
        live.current.started = false;
        queue.current?.interrupt();
        dispatch({ type: 'closed', code: event.code });
      };
    },
    [conversationId, send],
  );

  const stopEverything = useCallback(() => {
    const ws = socket.current;
    socket.current = null;
    // Hanging up mid-reply ends its playback: say how much was heard, as at its natural end.
    const playing = queue.current?.playing ? queue.current.playedMs() : null;
    if (ws && playing !== null && ws.readyState === WebSocket.OPEN)
      ws.send(JSON.stringify({ type: 'playback', playedMs: playing } satisfies ClientMessage));
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'call ended');
    mic.current?.stop();
    mic.current = null;
    queue.current?.close();
    queue.current = null;
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the call starts once per mount
  useEffect(() => {
    let cancelled = false;
    queue.current = createSpeakerQueue({
      onDrained: (playedMs) => {
        send({ type: 'playback', playedMs });
        dispatch({ type: 'playback_ended' });
      },
    });
    startMicCapture({
      onFrame: (pcm) => {
        const { muted, mode, talking, started } = live.current;
        if (!started || muted || (mode === 'push_to_talk' && !talking)) return;
        send(pcm);
      },
      onLevel: (level) => {
        micLevel.current = level;
      },
    })
      .then((capture) => {
        if (cancelled) return capture.stop();
        mic.current = capture;
        openSocket(initialMode);
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        dispatch({
          type: 'failed',
          error:
            error instanceof MicError
              ? { code: error.code, message: error.message }
              : {
                  code: 'mic_unsupported',
                  message: `The microphone could not be started: ${(error as Error).message}`,
                },
        });
      });
    return () => {
      cancelled = true;
      stopEverything();
    };
  }, []);

  const hangUp = useCallback(() => {
    stopEverything();
    dispatch({ type: 'hang_up' });
  }, [stopEverything]);

  const setMuted = useCallback(
    (muted: boolean) => {
      live.current.muted = muted;
      if (muted) live.current.talking = false;
      if (live.current.started) send({ type: 'mute', muted });
      dispatch({ type: 'mute', muted });
    },
    [send],
  );

  /** Stops the avatar mid-reply (the server cuts the stored reply to what was heard). */
  const cancelReply = useCallback(() => {
    const playback = queue.current;
    if (playback?.playing) stoppedAtMs.current = playback.interrupt();
    send({ type: 'cancel' });
    dispatch({ type: 'cancel' });
  }, [send]);

  const talk = useCallback(
    (down: boolean) => {
      const { mode, muted, talking } = live.current;
      if (mode !== 'push_to_talk' || muted || down === talking) return;
      live.current.talking = down;
      if (down && queue.current?.playing) cancelReply();
      if (!down && live.current.started) send({ type: 'end' });
      dispatch({ type: 'talk', down });
    },
    [send, cancelReply],
  );

  const setMode = useCallback(
    (mode: CallMode) => {
      if (mode === live.current.mode) return;
      // The mode is part of `start`: a new session on a new socket (the mic stays open).
      const old = socket.current;
      socket.current = null;
      old?.close(1000, 'mode changed');
      queue.current?.interrupt();
      live.current.talking = false;
      openSocket(mode);
    },
    [openSocket],
  );

  return {
    state,
    hangUp,
    setMuted,
    setMode,
    talk,
    cancelReply,
    dismissError: useCallback(() => dispatch({ type: 'dismiss_error' }), []),
    /** Output level 0…1 now (poll per animation frame). */
    outputLevel: useCallback(() => queue.current?.level() ?? 0, []),
    micLevel: useCallback(() => micLevel.current, []),
    viseme: useCallback(() => queue.current?.currentViseme() ?? null, []),
  };
}

export type VoiceCall = ReturnType<typeof useVoiceCall>;
