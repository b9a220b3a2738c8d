/**
 * espeak-ng: a formant synthesizer in every Debian, ~100 languages, first audio in tens of
 * milliseconds because it writes the WAV to stdout while it synthesizes. Robotic, but always
 * there: the default system voice when no neural voice is installed.
 */

import {
  assertTtsOptions,
  binaryReadiness,
  listedVoices,
  requireListedVoice,
  synthesizeWithProcess,
} from './subprocess-tts.js';
import type { TtsEngine, TtsOptions, TtsVoice } from './types.js';

export interface EspeakOptions {
  /** The binary (default /usr/bin/espeak-ng). */
  command?: string;
}

/** espeak-ng's normal speed in words per minute and its accepted range. */
const NORMAL_WPM = 175;

/** The avatar's 0.25–4 multipliers → espeak-ng's `-s` (80–450 wpm) and `-p` (0–99, normal 50). */
export function espeakProsody(rate: number, pitch: number): { wpm: number; pitch: number } {
  const wpm = Math.round(Math.min(450, Math.max(80, NORMAL_WPM * rate)));
  // Pitch is perceived logarithmically: 0.25× → 0, 1× → 50, 4× → 99.
  const p = Math.round(Math.min(99, Math.max(0, 50 + 25 * Math.log2(pitch))));
  return { wpm, pitch: p };
}

export function createEspeakTts(options: EspeakOptions = {}): TtsEngine {
  const command = options.command ?? '/usr/bin/espeak-ng';
  const voices = listedVoices(command, ['--voices'], parseEspeakVoices);
  const engine: TtsEngine = {
    id: 'espeak-ng',
    kind: 'tts',
    family: 'system',
    label: 'eSpeak NG',
    remote: false,
    async readiness() {
      return binaryReadiness(command, 'espeak-ng');
    },
    voices,
    async *synthesize(text: string, tts: TtsOptions) {
      assertTtsOptions(text, tts.rate, tts.pitch);
      const prosody = espeakProsody(tts.rate, tts.pitch);
      const args = ['--stdout', '--stdin', '-s', String(prosody.wpm), '-p', String(prosody.pitch)];
      // Only a voice `--voices` lists reaches the command line.
      if (tts.voice) {
        await requireListedVoice(voices, tts.voice, 'espeak-ng');
        args.push('-v', tts.voice);
      }
      yield* synthesizeWithProcess({ command, args, stdin: text, signal: tts.signal });
    },
  };
  return engine;
}

/**
 * `espeak-ng --voices` columns: Pty, Language, Age/Gender, VoiceName, File, Other Languages.
 * MBROLA voices (`mb/…`) need separate databases and are left out.
 */
export function parseEspeakVoices(output: string): TtsVoice[] {
  const voices: TtsVoice[] = [];
  const seen = new Set<string>();
  for (const line of output.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 5) continue;
    const [, language, ageGender, name, file] = columns as [string, string, string, string, string];
    if (file.startsWith('mb/') || seen.has(language)) continue;
    seen.add(language);
    const gender = ageGender.endsWith('/F') ? 'female' : ageGender.endsWith('/M') ? 'male' : null;
    voices.push({ id: language, label: name.replaceAll('_', ' '), language, gender });
  }
  return voices;
}
