import { afterEach, describe, expect, it } from 'vitest';
import { createWebAudioSink } from './audio-sink';
import { floatToPcm16 } from './pcm';
import { PlaybackQueue } from './playback-queue';
import { installScriptedAudio } from './scripted-audio';

// The real Web Audio sink over a scripted AudioContext whose clock the test moves.
let audio: ReturnType<typeof installScriptedAudio>;
afterEach(() => audio?.uninstall());

/** `ms` of a steady tone as the PCM16 bytes the server sends. */
const chunk = (ms: number, rate = 16_000, value = 0.25) =>
  floatToPcm16(new Float32Array(Math.round((rate * ms) / 1000)).fill(value)).buffer as ArrayBuffer;

function setup() {
  audio = installScriptedAudio();
  const drained: number[] = [];
  const queue = new PlaybackQueue(createWebAudioSink(), { onDrained: (ms) => drained.push(ms) });
  return { queue, drained };
}

describe('PlaybackQueue', () => {
  it('plays chunks back to back and reports how much was heard once the reply has played', async () => {
    const { queue, drained } = setup();
    queue.begin('a1', 16_000);
    queue.push(chunk(200));
    queue.push(chunk(300));
    const [first, second] = audio.sources;
    expect(first?.startAt).toBeCloseTo(0.05, 6);
    // Gap-free: the second starts where the first ends.
    expect(second?.startAt).toBeCloseTo(0.25, 6);
    expect(queue.scheduledMs()).toBe(500);
    audio.advance(0.15);
    expect(queue.playedMs()).toBe(100);
    expect(queue.level()).toBeCloseTo(0.25, 2);
    queue.finish('a1');
    expect(drained).toEqual([]);
    audio.advance(0.5);
    expect(drained).toEqual([500]);
    expect(queue.playing).toBe(false);
    expect(queue.level()).toBe(0);
  });

  it('an interruption silences everything queued at once and returns what was heard', async () => {
    const { queue, drained } = setup();
    queue.begin('a1', 22_050);
    for (let i = 0; i < 5; i++) queue.push(chunk(400, 22_050));
    audio.advance(0.05 + 0.7);
    const heard = queue.interrupt();
    expect(heard).toBe(700);
    expect(audio.sources.every((s) => s.stopped || s.ended)).toBe(true);
    expect(audio.sources.filter((s) => s.stopped)).toHaveLength(4);
    expect(queue.playing).toBe(false);
    // Audio and tts_end still in flight for that reply are dropped; the stopped sources' late
    // `ended` callbacks do not count as the reply playing out.
    await Promise.resolve();
    queue.push(chunk(400, 22_050));
    queue.finish('a1');
    audio.advance(5);
    expect(audio.sources).toHaveLength(5);
    expect(drained).toEqual([]);
    expect(queue.playedMs()).toBe(0);
    // The next reply plays again.
    queue.begin('a2', 22_050);
    queue.push(chunk(100, 22_050));
    queue.finish('a2');
    audio.advance(1);
    expect(drained).toEqual([100]);
  });

  it('after an underrun, the next chunk starts just ahead of now, and the gap is not counted as heard', () => {
    const { queue } = setup();
    queue.begin('a1', 16_000);
    queue.push(chunk(100));
    audio.advance(1);
    queue.push(chunk(100));
    expect(audio.sources[1]?.startAt).toBeCloseTo(1.05, 6);
    audio.advance(0.1);
    expect(queue.playedMs()).toBe(150);
  });

  it('a new reply starts its count at 0; tts_end of another reply is ignored', () => {
    const { queue, drained } = setup();
    queue.begin('a1', 16_000);
    queue.push(chunk(100));
    audio.advance(0.2);
    queue.begin('a2', 16_000);
    queue.push(chunk(100));
    queue.finish('a1');
    audio.advance(0.3);
    expect(drained).toEqual([]);
    queue.finish('a2');
    expect(drained).toEqual([100]);
  });

  it('visemes are timed from the start of the reply’s audio', () => {
    const { queue } = setup();
    queue.begin('a1', 16_000);
    // Nothing playing: no mouth shape.
    expect(queue.currentViseme()).toBeNull();
    queue.addVisemes([
      { atMs: 0, shape: 'M' },
      { atMs: 100, shape: 'A' },
    ]);
    queue.push(chunk(200));
    // The server times each batch from the start of the reply (docs/voice.md): 200 ms + 50.
    queue.addVisemes([{ atMs: 250, shape: 'O' }]);
    queue.push(chunk(200));
    audio.advance(0.05 + 0.02);
    expect(queue.currentViseme()).toBe('M');
    audio.advance(0.1);
    expect(queue.currentViseme()).toBe('A');
    audio.advance(0.16);
    expect(queue.currentViseme()).toBe('O');
  });
});
