import { type AudioSink, PlaybackQueue } from './playback-queue';

/**
 * The browser's speakers as an AudioSink: one AudioContext (made on the click that starts the
 * call or the read-aloud, so autoplay rules allow it), buffers scheduled on its clock, and an
 * analyser on the way out whose level animates the talking face.
 */
export function createWebAudioSink(): AudioSink {
  const context = new AudioContext({ latencyHint: 'interactive' });
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  analyser.connect(context.destination);
  const scratch = new Float32Array(analyser.fftSize);
  if (context.state === 'suspended') void context.resume();
  return {
    now: () => context.currentTime,
    schedule(samples, sampleRate, when, onEnded) {
      const buffer = context.createBuffer(1, samples.length, sampleRate);
      buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(analyser);
      source.onended = () => {
        source.disconnect();
        onEnded();
      };
      source.start(Math.max(when, context.currentTime));
      return {
        stop: () => {
          try {
            source.stop();
          } catch {
            // Already stopped.
          }
        },
      };
    },
    level() {
      analyser.getFloatTimeDomainData(scratch);
      let sum = 0;
      for (const s of scratch) sum += s * s;
      return Math.sqrt(sum / scratch.length);
    },
    close() {
      void context.close();
    },
  };
}

/** A playback queue on the speakers. */
export function createSpeakerQueue(events?: ConstructorParameters<typeof PlaybackQueue>[1]): PlaybackQueue {
  return new PlaybackQueue(createWebAudioSink(), events);
}
