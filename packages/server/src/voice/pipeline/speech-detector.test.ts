import { describe, expect, it } from 'vitest';
import { createEnergyVad } from '../engines/energy-vad.js';
import type { Frame } from './frames.js';
import { ProcessorQueue, runProcessor } from './processor.js';
import { SpeechDetector } from './speech-detector.js';
import { hush, join, packets, tone } from './test-audio.js';

const vad = createEnergyVad();

async function detect(
  audio: Int16Array,
  options: { mode?: 'hands_free' | 'push_to_talk'; avatarSpeaking?: boolean; tail?: Frame[] } = {},
) {
  const detector = new SpeechDetector(
    await vad.open(),
    vad.frameSamples,
    () => options.avatarSpeaking ?? false,
  );
  const frames: Frame[] = [
    { kind: 'start', at: 0, sampleRate: 16_000, mode: options.mode ?? 'hands_free' },
    ...packets(audio),
    ...(options.tail ?? []),
  ];
  return runProcessor(detector, frames);
}

const kinds = (frames: Frame[]) => frames.map((f) => f.kind).filter((k) => k !== 'speech-audio');
const speechSamples = (frames: Frame[]) =>
  frames.reduce((sum, f) => sum + (f.kind === 'speech-audio' ? f.samples.length : 0), 0);

describe('SpeechDetector (energy VAD)', () => {
  it('begins an utterance after the minimum speech, with pre-roll, and ends it after the end-of-turn silence', async () => {
    const out = await detect(join(hush(1_000), tone(800), hush(1_000)));
    // The segment ends at the short pause (its final text goes out then); the turn at the long one.
    expect(kinds(out)).toEqual(['start', 'vad', 'speech-start', 'segment-stop', 'vad', 'speech-stop']);
    const segment = out.find((f) => f.kind === 'segment-stop')!;
    expect(segment.at - 1_800).toBeGreaterThanOrEqual(100);
    expect(segment.at - 1_800).toBeLessThanOrEqual(300);
    const start = out.find((f) => f.kind === 'speech-start')!;
    const stop = out.find((f) => f.kind === 'speech-stop')!;
    // Speech from 1,000 ms to 1,800 ms; packets are 100 ms apart on the frame clock.
    expect(start.at).toBeGreaterThanOrEqual(1_100);
    expect(start.at).toBeLessThanOrEqual(1_300);
    expect(stop.at - 1_800).toBeGreaterThanOrEqual(400);
    expect(stop.at - 1_800).toBeLessThanOrEqual(600);
    // The whole tone and the pre-roll before it reach the recogniser.
    expect(speechSamples(out)).toBeGreaterThan(16 * (800 + 250));
  });

  it('a pause shorter than the end-of-turn silence splits the turn into segments; the pause is held back', async () => {
    const out = await detect(join(hush(1_000), tone(600), hush(300), tone(600), hush(1_000)));
    expect(kinds(out)).toEqual([
      'start',
      'vad',
      'speech-start',
      'segment-stop',
      'segment-start',
      'segment-stop',
      'vad',
      'speech-stop',
    ]);
    // Between segment-stop and segment-start nothing reaches the recogniser.
    const stop = out.findIndex((f) => f.kind === 'segment-stop');
    const resume = out.findIndex((f) => f.kind === 'segment-start');
    expect(speechSamples(out.slice(stop, resume))).toBe(0);
    // The pause's audio goes with the next segment as its pre-roll: nothing of the speech is lost.
    expect(speechSamples(out)).toBeGreaterThan(16 * (600 + 300 + 600));
    const resumed = out[resume]!;
    expect(resumed.at).toBeGreaterThanOrEqual(1_900);
    expect(resumed.at).toBeLessThanOrEqual(2_000);
  });

  it('segmentSilenceMs 0 (or not below the end-of-turn silence) keeps one segment per turn', async () => {
    for (const segmentSilenceMs of [0, 450]) {
      const detector = new SpeechDetector(await vad.open(), vad.frameSamples, () => false, {
        segmentSilenceMs,
      });
      const out = await runProcessor(detector, [
        { kind: 'start', at: 0, sampleRate: 16_000, mode: 'hands_free' },
        ...packets(join(hush(1_000), tone(600), hush(300), tone(600), hush(1_000))),
      ]);
      expect(kinds(out)).toEqual(['start', 'vad', 'speech-start', 'vad', 'speech-stop']);
    }
  });

  it('a longer end-of-turn silence keeps pauses inside one turn', async () => {
    const detector = new SpeechDetector(await vad.open(), vad.frameSamples, () => false, {
      endSilenceMs: 900,
      segmentSilenceMs: 200,
    });
    const out = await runProcessor(detector, [
      { kind: 'start', at: 0, sampleRate: 16_000, mode: 'hands_free' },
      ...packets(join(hush(1_000), tone(600), hush(700), tone(600), hush(1_500))),
    ]);
    expect(kinds(out).filter((k) => k === 'speech-stop')).toHaveLength(1);
    expect(kinds(out).filter((k) => k === 'segment-stop')).toHaveLength(2);
  });

  it('ignores a cough shorter than the minimum speech', async () => {
    const out = await detect(join(hush(1_000), tone(120), hush(1_000)));
    expect(kinds(out)).toEqual(['start']);
  });

  it('interrupts a speaking avatar after the barge-in time, before the utterance is confirmed', async () => {
    const out = await detect(join(hush(1_000), tone(600), hush(800)), { avatarSpeaking: true });
    const order = kinds(out);
    expect(order.slice(0, 3)).toEqual(['start', 'interruption', 'vad']);
    expect(order).toContain('speech-start');
    // Not when the avatar is silent.
    expect(kinds(await detect(join(hush(1_000), tone(600), hush(800))))).not.toContain('interruption');
  });

  it('push-to-talk: the first audio begins the utterance and end-of-utterance ends it, whatever the silence', async () => {
    const out = await detect(join(hush(300), tone(300), hush(1_000)), {
      mode: 'push_to_talk',
      tail: [{ kind: 'end-of-utterance', at: 5_000 }],
    });
    expect(kinds(out)).toEqual(['start', 'vad', 'speech-start', 'end-of-utterance', 'vad', 'speech-stop']);
    expect(speechSamples(out)).toBe(16 * 1_600);
  });

  it('push-to-talk release waits behind the audio queued before it', async () => {
    const detector = new SpeechDetector(await vad.open(), vad.frameSamples, () => false);
    const out: Frame[] = [];
    const queue = new ProcessorQueue(detector, (f) => out.push(f), { maxQueued: 100 });
    queue.enqueue({ kind: 'start', at: 0, sampleRate: 16_000, mode: 'push_to_talk' });
    // All at once, as when the pipeline is behind: the release must not overtake the audio.
    for (const frame of packets(tone(1_000))) queue.enqueue(frame);
    queue.enqueue({ kind: 'end-of-utterance', at: 2_000 });
    await queue.idle();
    const stop = out.findIndex((f) => f.kind === 'speech-stop');
    expect(speechSamples(out.slice(0, stop))).toBe(16 * 1_000);
    expect(speechSamples(out.slice(stop))).toBe(0);
  });
});
