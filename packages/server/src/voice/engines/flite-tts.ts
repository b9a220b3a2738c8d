/**
 * CMU flite: small diphone/cluster-unit voices, clearer than espeak-ng for English. It writes
 * the whole utterance's WAV when done (no streaming within a call; to a private temporary file,
 * as it cannot write to the socket Node gives as stdout), which is fine for the sentence-sized
 * pieces the pipeline sends. `kal16` is what the tests speak with: pocketsphinx
 * transcribes it almost perfectly.
 */

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import {
  assertTtsOptions,
  binaryReadiness,
  listedVoices,
  requireListedVoice,
  synthesizeWithProcess,
} from './subprocess-tts.js';
import type { TtsEngine, TtsOptions, TtsVoice, Viseme } from './types.js';

export interface FliteOptions {
  command?: string;
}

/** What `flite -lv` names, described (flite reports names only). `awb_time` speaks clock times only. */
const KNOWN_VOICES: Record<string, { label: string; gender: 'female' | 'male'; f0: number }> = {
  kal16: { label: 'Kal (US, 16 kHz)', gender: 'male', f0: 100 },
  kal: { label: 'Kal (US, 8 kHz)', gender: 'male', f0: 100 },
  slt: { label: 'SLT (US)', gender: 'female', f0: 160 },
  rms: { label: 'RMS (US)', gender: 'male', f0: 100 },
  awb: { label: 'AWB (Scottish)', gender: 'male', f0: 100 },
};

export const FLITE_DEFAULT_VOICE = 'kal16';

/**
 * The 0.25–4 multipliers → flite features: `duration_stretch` is the inverse of speed;
 * `int_f0_target_mean` is the voice's mean pitch in Hz (approximate per-voice normals above).
 */
export function fliteProsody(voice: string, rate: number, pitch: number): string[] {
  const args = ['--setf', `duration_stretch=${(1 / rate).toFixed(3)}`];
  if (pitch !== 1) {
    const f0 = KNOWN_VOICES[voice]?.f0 ?? 100;
    args.push('--setf', `int_f0_target_mean=${Math.round(Math.min(500, Math.max(40, f0 * pitch)))}`);
  }
  return args;
}

export function createFliteTts(options: FliteOptions = {}): TtsEngine {
  const command = options.command ?? '/usr/bin/flite';
  const voices = listedVoices(command, ['-lv'], parseFliteVoices);
  const engine: TtsEngine = {
    id: 'flite',
    kind: 'tts',
    family: 'system',
    label: 'CMU Flite',
    remote: false,
    async readiness() {
      return binaryReadiness(command, 'flite');
    },
    voices,
    async *synthesize(text: string, tts: TtsOptions) {
      assertTtsOptions(text, tts.rate, tts.pitch);
      const voice = tts.voice ?? FLITE_DEFAULT_VOICE;
      // Only listed names reach the command line: `-voice` also takes paths and URLs.
      await requireListedVoice(voices, voice, 'flite');
      // `-t` marks the text explicitly, so text starting with "-" is never read as an option.
      const outputFile = path.join(os.tmpdir(), `lumina-flite-${randomUUID()}.wav`);
      const args = [
        '-voice',
        voice,
        ...fliteProsody(voice, tts.rate, tts.pitch),
        // Segment names and end times on stdout: the visemes.
        '-psdur',
        '-t',
        text,
        '-o',
        outputFile,
      ];
      yield* synthesizeWithProcess({
        command,
        args,
        signal: tts.signal,
        timeoutMs: 30_000 + text.length * 100,
        outputFile,
        visemesFromStdout: fliteVisemes,
      });
    },
  };
  return engine;
}

/** `Voices available: kal awb_time kal16 awb rms slt` → voices (the time-only voice left out). */
export function parseFliteVoices(output: string): TtsVoice[] {
  const line = output.split('\n').find((l) => l.startsWith('Voices available:')) ?? '';
  return line
    .slice('Voices available:'.length)
    .trim()
    .split(/\s+/)
    .filter((name) => name && name !== 'awb_time')
    .map((name) => ({
      id: name,
      label: KNOWN_VOICES[name]?.label ?? name,
      language: 'en',
      gender: KNOWN_VOICES[name]?.gender ?? null,
    }));
}

/** CMU (ARPAbet) phones → mouth shapes. */
const PHONE_SHAPES: Record<string, Viseme['shape']> = {
  pau: 'rest',
  aa: 'a',
  ah: 'a',
  ax: 'a',
  ay: 'a',
  aw: 'a',
  ae: 'e',
  eh: 'e',
  ey: 'e',
  er: 'e',
  ih: 'i',
  iy: 'i',
  y: 'i',
  ao: 'o',
  ow: 'o',
  oy: 'o',
  uh: 'u',
  uw: 'u',
  w: 'u',
  m: 'm',
  b: 'm',
  p: 'm',
  f: 'f',
  v: 'f',
  l: 'l',
  r: 'l',
};

/**
 * `-psdur` output (`pau:0.220 hh:0.295 ax:0.342 …`, each segment's end in seconds) → a viseme
 * at each segment's start; consecutive equal shapes are merged. Consonants not listed are `s`.
 */
export function fliteVisemes(stdout: string): Viseme[] {
  const visemes: Viseme[] = [];
  let start = 0;
  for (const token of stdout.trim().split(/\s+/)) {
    const match = /^([a-z]+):(\d+(?:\.\d+)?)$/.exec(token);
    if (!match) continue;
    const shape = PHONE_SHAPES[match[1]!] ?? 's';
    if (visemes.at(-1)?.shape !== shape) visemes.push({ atMs: Math.round(start * 1000), shape });
    start = Number(match[2]);
  }
  return visemes;
}
