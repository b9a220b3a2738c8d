import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchBrowser } from './browser.js';

// Voice e2e support: speech made at test time (flite, sox), Chromium with a fake microphone that
// plays it, and a record of the page's /ws/voice traffic with the time of each message.

/** `seconds` of digital silence at 16 kHz mono, as a WAV file. */
export function silenceWav(file: string, seconds: number): void {
  execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', file, 'trim', '0', String(seconds)]);
}

/**
 * `text` spoken by flite's kal16 voice, as 16 kHz mono 16-bit WAV. `stretch` above 1 speaks
 * slower (flite's `duration_stretch`): each phone lasts longer, which pocketsphinx hears better.
 */
export function speechWav(file: string, text: string, stretch = 1): void {
  const raw = `${file}.flite.wav`;
  execFileSync('flite', ['-voice', 'kal16', '--setf', `duration_stretch=${stretch}`, '-t', text, '-o', raw]);
  execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', file]);
}

/** The WAV files one after the other, as `out`. */
export function joinWavs(out: string, parts: string[]): void {
  execFileSync('sox', [...parts, out]);
}

/** A WAV file's length in seconds. */
export function wavSeconds(file: string): number {
  return Number(execFileSync('soxi', ['-D', file], { encoding: 'utf8' }).trim());
}

/**
 * Debian's Chromium whose microphone is `wav` (Chromium loops the file from the moment the page
 * opens the microphone), with the permission granted and autoplay allowed.
 */
export function launchFakeMicBrowser(wav: string): Promise<Browser> {
  return launchBrowser([
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${wav}`,
  ]);
}

/** A message on the voice socket, with `at`: the page's clock (ms) when it crossed. */
export type WireMessage = Record<string, unknown> & { type: string; at: number };

export interface VoiceWire {
  received: WireMessage[];
  receivedAudioBytes: number;
  sent: WireMessage[];
  sentAudioBytes: number;
  /** When the first and the last audio frame were sent (page clock, ms), or null. */
  firstAudioSentAt: number | null;
  lastAudioSentAt: number | null;
  /** When the page opened the microphone (page clock, ms): the fake file starts playing then. */
  micOpenedAt: number | null;
}

/**
 * An init script (`context.addInitScript(recordVoiceSocket)`): records the page's /ws/voice
 * traffic both ways in `window.__voiceWire`, and taps the microphone the page opens with an
 * analyser (`window.__micLevel()`, RMS 0…1), so a test can tell when the fake microphone is
 * speaking. Neither changes what the app sends or receives.
 */
export const recordVoiceSocket = () => {
  const wire = {
    received: [] as unknown[],
    receivedAudioBytes: 0,
    sent: [] as unknown[],
    sentAudioBytes: 0,
    firstAudioSentAt: null as number | null,
    lastAudioSentAt: null as number | null,
    micOpenedAt: null as number | null,
  };
  const scope = window as unknown as { __voiceWire: typeof wire; __micLevel: () => number };
  scope.__voiceWire = wire;
  scope.__micLevel = () => 0;
  const Native = window.WebSocket;
  class Recorded extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      if (!String(url).includes('/ws/voice')) return;
      this.addEventListener('message', (event) => {
        if (typeof event.data === 'string')
          wire.received.push({ ...JSON.parse(event.data), at: performance.now() });
        else wire.receivedAudioBytes += (event.data as ArrayBuffer).byteLength;
      });
      const send = this.send.bind(this);
      this.send = (data) => {
        if (typeof data === 'string') wire.sent.push({ ...JSON.parse(data), at: performance.now() });
        else {
          wire.sentAudioBytes += (data as ArrayBuffer).byteLength;
          wire.firstAudioSentAt ??= performance.now();
          wire.lastAudioSentAt = performance.now();
        }
        send(data);
      };
    }
  }
  window.WebSocket = Recorded;

  const media = navigator.mediaDevices;
  if (!media?.getUserMedia) return;
  const open = media.getUserMedia.bind(media);
  media.getUserMedia = async (constraints) => {
    const stream = await open(constraints);
    wire.micOpenedAt = performance.now();
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    scope.__micLevel = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      return Math.sqrt(sum / samples.length);
    };
    return stream;
  };
};

/** The voice socket traffic recorded so far (see recordVoiceSocket). */
export function voiceWire(page: Page): Promise<VoiceWire> {
  return page.evaluate(() => (window as unknown as { __voiceWire: VoiceWire }).__voiceWire);
}

/** The microphone's level now (RMS 0…1), as the page hears it. */
export function micLevel(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __micLevel: () => number }).__micLevel());
}

/** What the server said it heard (final transcripts, segment finals) and was hearing (partials), for failure messages. */
export function heard(wire: VoiceWire): string {
  const finals = wire.received.filter((e) => e.type === 'final_transcript').map((e) => e.text);
  const segments = wire.received.filter((e) => e.type === 'segment_transcript').map((e) => e.text);
  const partials = wire.received.filter((e) => e.type === 'partial_transcript').map((e) => e.text);
  return `final transcripts: ${JSON.stringify(finals)}; last segment finals: ${JSON.stringify(segments.slice(-3))}; last partials: ${JSON.stringify(partials.slice(-3))}`;
}

/**
 * The call as a timeline relative to when the microphone opened (seconds), for failure
 * messages: when audio went out, and each server event but the chatty ones.
 */
export function timeline(wire: VoiceWire): string {
  const zero = wire.micOpenedAt ?? 0;
  const s = (at: number | null) => (at === null ? '–' : ((at - zero) / 1000).toFixed(2));
  const events = wire.received
    .filter((e) => !['assistant_delta', 'partial_transcript', 'visemes'].includes(e.type))
    .map(
      (e) =>
        `${s(e.at)} ${e.type}${'text' in e ? ` ${JSON.stringify(e.text)}` : ''}${
          e.type === 'error' ? ` ${e.code}: ${e.message}` : ''
        }`,
    );
  return [
    `audio sent ${s(wire.firstAudioSentAt)}…${s(wire.lastAudioSentAt)} (${wire.sentAudioBytes} bytes)`,
    ...events,
  ].join('\n');
}

/** Writes the call's timeline to e2e/artifacts/<name>.txt (read it when a run was slow or odd). */
export async function saveTimeline(name: string, wire: VoiceWire): Promise<void> {
  await fs.mkdir(ARTIFACTS_DIR, { recursive: true });
  await fs.writeFile(path.join(ARTIFACTS_DIR, `${name}.txt`), `${heard(wire)}\n${timeline(wire)}\n`);
}

/** Above this RMS the fake microphone is speaking; below QUIET it is silent (flite speech is ~0.05–0.2). */
const SPEAKING_LEVEL = 0.01;
const QUIET_LEVEL = 0.002;

/**
 * Resolves once the page's microphone has been speaking (or silent) for `forMs` without a
 * break, watched in the page every 20 ms (recordVoiceSocket's tap); fails after `timeoutMs`.
 */
export async function waitForMic(
  page: Page,
  state: 'speaking' | 'silent',
  { forMs, timeoutMs }: { forMs: number; timeoutMs: number },
): Promise<void> {
  await page.evaluate(
    async ({ state, forMs, timeoutMs, speaking, quiet }) => {
      const level = (window as unknown as { __micLevel: () => number }).__micLevel;
      const start = performance.now();
      let since: number | null = null;
      let loudest = 0;
      while (performance.now() - start < timeoutMs) {
        const now = level();
        loudest = Math.max(loudest, now);
        if (state === 'speaking' ? now > speaking : now < quiet) {
          since ??= performance.now();
          if (performance.now() - since >= forMs) return;
        } else since = null;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(
        `the microphone was not ${state} for ${forMs} ms within ${timeoutMs} ms (loudest ${loudest})`,
      );
    },
    { state, forMs, timeoutMs, speaking: SPEAKING_LEVEL, quiet: QUIET_LEVEL },
  );
}

/**
 * A long spoken reply about Paris for the voice e2e (about forty seconds of flite speech): long
 * enough to still be playing when a test talks over it. Tests take as many sentences as they need.
 */
export const PARIS_REPLY = [
  'The capital of France is Paris. ',
  'It sits on the river Seine in the north of the country. ',
  'Paris has been the capital for more than a thousand years. ',
  'It is famous for its museums, its cafes and its long avenues. ',
  'The Louvre holds the Mona Lisa and many thousands of other works. ',
  'The Eiffel Tower was built for the world fair of eighteen eighty nine. ',
  'Today more than two million people live in the city itself. ',
  'Many more live in the towns around it. ',
  'The city is divided into twenty districts that spiral out from the centre. ',
  'Its underground railway opened in nineteen hundred. ',
  'Two large parks lie at its western and eastern edges. ',
  'The river is crossed by more than thirty bridges. ',
  'The oldest of them is called the new bridge. ',
  'Each summer, parts of the river bank become beaches. ',
  'The city hosted the summer games three times. ',
  'Its bakeries open early and close late. ',
];
