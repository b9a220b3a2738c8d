import type { LuminaClient } from '@lumina/sdk';
import { useSyncExternalStore } from 'react';
import { friendlyMessage } from '../api-errors';
import { isAbort } from '../event-stream';
import { createSpeakerQueue } from './audio-sink';
import { parseWav } from './pcm';
import type { PlaybackQueue } from './playback-queue';
import { type SpeakRequest, speak } from './voice-api';

export interface ReadAloudState {
  /** The message being read (or fetched), if any. */
  messageId: string | null;
  phase: 'idle' | 'loading' | 'playing';
  /** The last failure, with the message it belongs to. */
  error: { messageId: string; message: string } | null;
}

/**
 * "Read aloud" for chat replies and voice previews: one at a time in the whole app (starting another stops the
 * first), so it is a small store outside React that every message's button subscribes to.
 */
class ReadAloudPlayer {
  private state: ReadAloudState = { messageId: null, phase: 'idle', error: null };
  private readonly listeners = new Set<() => void>();
  private controller: AbortController | null = null;
  private queue: PlaybackQueue | null = null;

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = () => this.state;

  /**
   * Speaks `request` (a reply in its avatar's voice, or a voice preview); `messageId` names what
   * is playing, for the buttons. Call it from the click: the audio output is made there.
   */
  async play(client: LuminaClient, messageId: string, request: SpeakRequest): Promise<void> {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    // Made now, inside the click, so the browser lets it sound.
    const queue = createSpeakerQueue({
      onDrained: () => {
        if (this.queue === queue) this.finish();
      },
    });
    this.queue = queue;
    this.set({ messageId, phase: 'loading', error: null });
    try {
      const wav = await speak(client, request, controller.signal);
      if (controller.signal.aborted) return;
      const { sampleRate, samples } = parseWav(wav);
      queue.begin(messageId, sampleRate);
      queue.pushSamples(samples);
      queue.finish(messageId);
      if (this.queue === queue && queue.playing) this.set({ ...this.state, phase: 'playing' });
    } catch (error) {
      if (controller.signal.aborted || isAbort(error)) return;
      this.finish();
      this.set({ ...this.state, error: { messageId, message: describe(error) } });
    }
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
    this.finish();
  }

  private finish() {
    const queue = this.queue;
    this.queue = null;
    queue?.close();
    if (this.state.phase !== 'idle' || this.state.messageId !== null)
      this.set({ messageId: null, phase: 'idle', error: this.state.error });
  }

  private set(next: ReadAloudState) {
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

/** The server's refusals in its words; a file that cannot be played says what is wrong with it. */
function describe(error: unknown): string {
  return error instanceof Error && error.constructor === Error ? error.message : friendlyMessage(error);
}

export const readAloudPlayer = new ReadAloudPlayer();

export function useReadAloud(): ReadAloudState {
  return useSyncExternalStore(readAloudPlayer.subscribe, readAloudPlayer.snapshot);
}
