/**
 * Test support: a scripted stand-in for the browser's AudioContext (happy-dom has none), with a
 * clock the test moves. Only the calls audio-sink.ts makes are there; what was scheduled and
 * stopped is recorded. Not imported by the app.
 * @example const audio = installScriptedAudio(); …; audio.advance(1.5); audio.uninstall();
 */
export interface ScriptedSource {
  samples: Float32Array;
  sampleRate: number;
  startAt: number;
  stopped: boolean;
  ended: boolean;
}

export function installScriptedAudio() {
  const sources: ScriptedSource[] = [];
  const clock = { now: 0 };
  const endings: { source: ScriptedSource; fire: () => void }[] = [];
  let contexts = 0;
  let closed = 0;

  class ScriptedAudioContext {
    state = 'running';
    readonly destination = {};
    constructor() {
      contexts++;
    }
    get currentTime() {
      return clock.now;
    }
    resume() {
      return Promise.resolve();
    }
    close() {
      closed++;
      this.state = 'closed';
      return Promise.resolve();
    }
    createAnalyser() {
      return {
        fftSize: 2048,
        connect() {},
        getFloatTimeDomainData(into: Float32Array) {
          // The level of whatever is sounding now.
          const playing = sources.find((s) => !s.stopped && s.startAt <= clock.now && !s.ended);
          into.fill(playing ? (playing.samples[0] ?? 0) : 0);
        },
      };
    }
    createBuffer(_channels: number, length: number, sampleRate: number) {
      const data = new Float32Array(length);
      return {
        length,
        sampleRate,
        duration: length / sampleRate,
        copyToChannel(from: Float32Array) {
          data.set(from);
        },
        getChannelData: () => data,
      };
    }
    createBufferSource() {
      const node = {
        buffer: null as null | { getChannelData(): Float32Array; sampleRate: number },
        onended: null as null | (() => void),
        record: null as ScriptedSource | null,
        connect() {},
        disconnect() {},
        start(when: number) {
          const record: ScriptedSource = {
            samples: node.buffer!.getChannelData(),
            sampleRate: node.buffer!.sampleRate,
            startAt: when,
            stopped: false,
            ended: false,
          };
          node.record = record;
          sources.push(record);
          endings.push({
            source: record,
            fire: () => {
              record.ended = true;
              node.onended?.();
            },
          });
        },
        stop() {
          const record = node.record;
          if (!record || record.ended) return;
          record.stopped = true;
          // Web Audio fires `ended` for a stopped source too, a moment later.
          queueMicrotask(() => {
            const ending = endings.find((e) => e.source === record);
            if (ending && !record.ended) ending.fire();
          });
        },
      };
      return node;
    }
  }

  const previous = (globalThis as { AudioContext?: unknown }).AudioContext;
  (globalThis as { AudioContext?: unknown }).AudioContext = ScriptedAudioContext;

  return {
    sources,
    get contexts() {
      return contexts;
    },
    get closed() {
      return closed;
    },
    get now() {
      return clock.now;
    },
    /** Moves the clock on; sources that have finished by then fire `ended`. */
    advance(seconds: number) {
      clock.now += seconds;
      for (const { source, fire } of endings) {
        if (
          !source.ended &&
          !source.stopped &&
          source.startAt + source.samples.length / source.sampleRate <= clock.now
        )
          fire();
      }
    },
    uninstall() {
      (globalThis as { AudioContext?: unknown }).AudioContext = previous;
    },
  };
}

/** A PCM16 mono WAV file of `samples`, as POST /api/voice/speak answers. */
export function wavFile(samples: Float32Array, sampleRate: number): ArrayBuffer {
  const bytes = new ArrayBuffer(44 + samples.length * 2);
  const view = new DataView(bytes);
  const text = (at: number, value: string) => {
    for (let i = 0; i < value.length; i++) view.setUint8(at + i, value.charCodeAt(i));
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++)
    view.setInt16(44 + i * 2, Math.round(Math.max(-1, Math.min(1, samples[i] ?? 0)) * 0x7fff), true);
  return bytes;
}
