/**
 * The part the command-line synthesizers (espeak-ng, flite) share: run the program, read the WAV
 * it writes to stdout, and yield PCM as it arrives — espeak-ng writes while it synthesizes, so
 * the first chunk leaves long before the sentence is done. Aborting kills the process at once
 * and ends the iteration quietly; a process that dies or hangs fails it with a stable code.
 */

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { downmix, type PcmError, parseWavHeader, pcm16FromBytes } from './resample.js';
import type { EngineReadiness, TtsChunk, TtsVoice, Viseme } from './types.js';

export type TtsError = Error & { code: string };

export function ttsError(code: string, message: string): TtsError {
  return Object.assign(new Error(message), { code });
}

/** The longest text one `synthesize` call takes (the pipeline sends sentences; speak ≤ 2,000). */
export const MAX_TTS_TEXT = 4_000;

export interface SubprocessSynthesis {
  command: string;
  args: string[];
  /** Written to stdin, then stdin is closed. */
  stdin?: string;
  signal?: AbortSignal;
  /** Whole-synthesis deadline (default: 30 s plus 100 ms per character). */
  timeoutMs?: number;
  /** Bytes of PCM per yielded chunk at most (default 8 KiB ≈ 0.19 s at 22 kHz). */
  chunkBytes?: number;
  /**
   * The program writes its WAV to this file rather than stdout (flite opens `/dev/stdout` by
   * name, which fails on the socket Node gives a child); read when the program has exited.
   * Removed afterwards.
   */
  outputFile?: string;
  /**
   * With `outputFile`: stdout is the program's text (flite's `-psdur` segment timings), turned
   * into visemes for the first chunk.
   */
  visemesFromStdout?: (stdout: string) => Viseme[];
}

/** Checks that the rate and pitch multipliers are in the avatar API's range. */
export function assertTtsOptions(text: string, rate: number, pitch: number): void {
  if (text.length > MAX_TTS_TEXT) {
    throw ttsError(
      'text_too_long',
      `Text of ${text.length} characters is over the ${MAX_TTS_TEXT}-character limit`,
    );
  }
  for (const [name, value] of [
    ['rate', rate],
    ['pitch', pitch],
  ] as const) {
    if (!Number.isFinite(value) || value < 0.25 || value > 4) {
      throw ttsError('bad_tts_option', `${name} ${value} is outside 0.25–4`);
    }
  }
}

/**
 * Runs a synthesizer and yields its WAV output as mono PCM16 chunks. The header's sizes are
 * ignored (streams write placeholders); samples run to the end of stdout.
 */
export async function* synthesizeWithProcess(options: SubprocessSynthesis): AsyncGenerator<TtsChunk> {
  const { signal } = options;
  if (signal?.aborted) return;
  const child = spawn(options.command, options.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const chunkBytes = options.chunkBytes ?? 8192;
  const queue: Buffer[] = [];
  let ended = false;
  let failure: TtsError | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  let stderr = '';
  let aborted = false;

  const timeoutMs = options.timeoutMs ?? 30_000 + (options.stdin?.length ?? 0) * 100;
  const timer = setTimeout(() => {
    failure = ttsError('tts_timeout', `${options.command} did not finish within ${timeoutMs} ms`);
    child.kill('SIGKILL');
    notify();
  }, timeoutMs);
  const onAbort = () => {
    aborted = true;
    child.kill('SIGKILL');
    notify();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  let stdoutText = '';
  child.stdout.on('data', (data: Buffer) => {
    if (options.outputFile) {
      // The audio is in the file; stdout is text (bounded).
      if (stdoutText.length < 1_000_000) stdoutText += data.toString('utf8');
      return;
    }
    queue.push(data);
    notify();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (data: string) => {
    stderr = (stderr + data).slice(-500);
  });
  child.stdin.on('error', () => {});
  child.on('error', (err: NodeJS.ErrnoException) => {
    failure ??=
      err.code === 'ENOENT'
        ? ttsError('engine_not_installed', `${options.command} is not installed`)
        : ttsError('tts_engine_failed', `${options.command} failed to start: ${err.message}`);
    ended = true;
    notify();
  });
  child.on('close', (code, killedBy) => {
    if (code !== 0 && !aborted) {
      failure ??= ttsError(
        'tts_engine_failed',
        `${options.command} stopped (${killedBy ?? `exit ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`,
      );
    }
    if (options.outputFile && !failure && !aborted) {
      fs.promises.readFile(options.outputFile).then(
        (wav) => {
          queue.push(wav);
          ended = true;
          notify();
        },
        (err: Error) => {
          failure ??= ttsError('tts_engine_failed', `${options.command} wrote no audio: ${err.message}`);
          ended = true;
          notify();
        },
      );
      return;
    }
    ended = true;
    notify();
  });
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  else child.stdin.end();

  let pending = Buffer.alloc(0);
  let header: ReturnType<typeof parseWavHeader> = null;
  let first = true;
  try {
    for (;;) {
      if (aborted) return;
      if (queue.length > 0) {
        pending = Buffer.concat([pending, ...queue.splice(0)]);
        if (!header) {
          try {
            header = parseWavHeader(pending);
          } catch (err) {
            throw ttsError(
              'tts_engine_failed',
              `${options.command} wrote no WAV: ${(err as PcmError).message}`,
            );
          }
          if (!header) continue;
          pending = pending.subarray(header.dataOffset);
        }
        const frameBytes = 2 * header.channels;
        while (
          pending.length >= frameBytes &&
          (pending.length >= chunkBytes || ended || queue.length === 0)
        ) {
          const take =
            Math.min(pending.length, chunkBytes) - (Math.min(pending.length, chunkBytes) % frameBytes);
          const samples = downmix(pcm16FromBytes(pending.subarray(0, take)), header.channels);
          pending = pending.subarray(take);
          if (aborted) return;
          const chunk: TtsChunk = { samples, sampleRate: header.sampleRate };
          if (first && options.visemesFromStdout) {
            const visemes = options.visemesFromStdout(stdoutText);
            if (visemes.length > 0) chunk.visemes = visemes;
          }
          first = false;
          yield chunk;
        }
        continue;
      }
      if (failure) throw failure;
      if (ended) {
        if (!header)
          throw ttsError(
            'tts_engine_failed',
            `${options.command} produced no audio${stderr ? `: ${stderr.trim()}` : ''}`,
          );
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    // The consumer stopped early (break, return) or failed: never leave the synthesizer running.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (options.outputFile) fs.promises.rm(options.outputFile, { force: true }).catch(() => {});
  }
}

/** Readiness of a synthesizer binary: present and executable, else an apt hint. */
export function binaryReadiness(path: string, aptPackage: string): EngineReadiness {
  try {
    fs.accessSync(path, fs.constants.X_OK);
    return { ready: true };
  } catch {
    return {
      ready: false,
      code: 'engine_not_installed',
      detail: `${path} is not installed: apt-get install ${aptPackage}`,
    };
  }
}

/** Runs a command and returns stdout (voice lists), bounded in time and size. */
export function runForOutput(command: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      if (out.length < 1_000_000) out += data;
    });
    child.stderr.setEncoding('utf8');
    // flite -lv prints to stderr on some builds.
    child.stderr.on('data', (data: string) => {
      if (out.length < 1_000_000) out += data;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(ttsError('engine_not_installed', `${command}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(ttsError('tts_engine_failed', `${command} ${args.join(' ')} exited with ${code}`));
    });
  });
}

/**
 * The voice list of a system engine, read once from its command (`espeak-ng --voices`,
 * `flite -lv`) and kept; a failed read is asked again next time.
 */
export function listedVoices(
  command: string,
  args: string[],
  parse: (output: string) => TtsVoice[],
): () => Promise<TtsVoice[]> {
  let voices: Promise<TtsVoice[]> | null = null;
  return () => {
    voices ??= runForOutput(command, args).then(parse);
    voices.catch(() => {
      voices = null;
    });
    return voices;
  };
}

/**
 * Refuses (`voice_not_found`) a voice the engine does not list: only listed names reach a
 * command line, where a voice argument could also be a path or a URL.
 */
export async function requireListedVoice(
  voices: () => Promise<TtsVoice[]>,
  voice: string,
  engine: string,
): Promise<void> {
  if (!(await voices()).some((v) => v.id === voice)) {
    throw ttsError('voice_not_found', `${engine} has no voice ${voice}`);
  }
}
