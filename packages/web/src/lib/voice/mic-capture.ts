import type { CaptureMessage } from './capture-worklet';
import captureWorkletUrl from './capture-worklet?worker&url';
import { CAPTURE_RATE } from './pcm';

/** Why the mic could not be opened, in words the call screen shows. */
export class MicError extends Error {
  constructor(
    readonly code: 'mic_denied' | 'mic_missing' | 'mic_busy' | 'mic_unsupported',
    message: string,
  ) {
    super(message);
  }
}

export interface MicCapture {
  /** The rate of the frames sent (the `start` message's sampleRate). */
  sampleRate: number;
  stop(): void;
}

/**
 * Opens the microphone with the browser's echo cancellation, noise suppression and gain
 * control on (the avatar's voice from the speakers must not be heard as the person barging
 * in), and streams 20 ms PCM16 frames at 16 kHz from an AudioWorklet.
 * @example const mic = await startMicCapture({ onFrame: (pcm) => socket.send(pcm), onLevel });
 */
export async function startMicCapture({
  onFrame,
  onLevel,
}: {
  onFrame: (pcm: ArrayBuffer) => void;
  onLevel?: (level: number) => void;
}): Promise<MicCapture> {
  if (!navigator.mediaDevices?.getUserMedia || typeof AudioWorkletNode === 'undefined')
    throw new MicError(
      'mic_unsupported',
      'This browser cannot record audio here (it needs HTTPS or localhost).',
    );
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    });
  } catch (error) {
    throw micError(error);
  }
  const context = new AudioContext({ latencyHint: 'interactive' });
  try {
    await context.audioWorklet.addModule(captureWorkletUrl);
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'lumina-pcm-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 1,
      channelCountMode: 'explicit',
    });
    node.port.onmessage = (event: MessageEvent<CaptureMessage>) => {
      if (event.data.type === 'frame') onFrame(event.data.pcm);
      else onLevel?.(event.data.level);
    };
    source.connect(node);
    if (context.state === 'suspended') await context.resume();
    return {
      sampleRate: CAPTURE_RATE,
      stop() {
        node.port.onmessage = null;
        source.disconnect();
        for (const track of stream.getTracks()) track.stop();
        void context.close();
      },
    };
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    void context.close();
    throw error;
  }
}

function micError(error: unknown): MicError {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return new MicError(
      'mic_denied',
      'Microphone access is blocked. Allow it for this site in the browser’s address bar, then call again.',
    );
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return new MicError('mic_missing', 'No microphone was found. Plug one in, then call again.');
  if (name === 'NotReadableError' || name === 'AbortError')
    return new MicError('mic_busy', 'The microphone is in use by another app, or could not be started.');
  return new MicError(
    'mic_unsupported',
    `The microphone could not be opened (${(error as Error)?.message ?? 'unknown error'}).`,
  );
}
