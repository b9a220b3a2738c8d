/**
 * Streaming speech recognition with CMU pocketsphinx (Debian `pocketsphinx-en-us` +
 * `python3-pocketsphinx`): partial transcripts every 100 ms of audio, a final one on `finish`.
 *
 * Why processes and a lease: one pocketsphinx decoder holds ~90 MB (its language model is not
 * shared between decoders) and, with pocketsphinx's default search, decodes at a real-time factor
 * of ~0.3 on one core, so a decoder per call does not scale to 20 calls. Instead a bounded pool of long-lived `/usr/bin/python3`
 * processes, one decoder each (the OS spreads them over the cores; a crash takes one utterance
 * down, not the server), is leased to a stream from its first `write` of an utterance until
 * `finish`/`close`. Streams are cheap; only utterances in progress hold a decoder, so the
 * pipeline should write speech (VAD onset with its pre-roll) rather than the whole call. While
 * every decoder is busy, audio waits in the stream (bounded: past `maxBufferedSeconds` the
 * stream fails with `stt_overloaded`).
 *
 * Search width (`search`): almost all of a decoder's time goes to the HMMs it searches per frame
 * (up to 30000 by default). `fast` caps them at FAST_MAX_HMM_PER_FRAME; measured on 11 flite
 * (kal16) and 11 espeak-ng sentences it cut the CPU per second of speech from 0.25–0.29 to
 * 0.11–0.15. On a decoder that has heard a few utterances the flite words were the same, with 2
 * more word errors (of 91) on the espeak-ng sentences, which pocketsphinx garbles either way; on
 * fresh decoders one flite sentence lost a word ("today" → "to date"), and the call e2e's question
 * came out as other words (docs/voice.md "Engines"), so `full`, the old search with the old pool
 * size, stays the default. Other options tried lost words on flite speech
 * (`-ds 2`, `-topn 2`, narrower `-beam`/`-wbeam`) or saved little (`-maxwpf`, `-bestpath no`,
 * `-pl_window`).
 *
 * Failures never hang: the process start, the final transcript and a process that stops
 * answering are all on timers; a process that dies fails its stream with `stt_engine_failed`.
 */

import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { POCKETSPHINX_WORKER_SCRIPT } from './pocketsphinx-worker-script.js';
import { type EngineReadiness, PIPELINE_SAMPLE_RATE, type SttEngine, type SttStream } from './types.js';

export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
/** Debian's interpreter, which has `python3-pocketsphinx`; not whatever python3 is first on PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
/**
 * `-maxhmmpf` of the `fast` search. 1500 was ~10% cheaper still but lost words a 2000 decoder
 * kept on a decoder's first utterances (before its cepstral mean has adapted); 1000 lost words
 * on flite speech outright.
 */
export const FAST_MAX_HMM_PER_FRAME = 2000;

/**
 * Decoders for `os.availableParallelism()` cores. A decoder is leased per utterance and decodes
 * as the speech arrives, so it needs its real-time factor of a core while someone speaks: with
 * `fast` (0.11–0.15 measured bare) half of each core runs 3
 * speakers at once; with `full` (0.3–0.5) the old 2 per core. Capped by memory (~90 MB each).
 */
export function defaultMaxDecoders(search: 'fast' | 'full', cores = os.availableParallelism()): number {
  return search === 'fast' ? Math.max(1, Math.min(8, cores * 3)) : Math.max(1, Math.min(4, cores * 2));
}

export interface PocketsphinxOptions {
  python?: string;
  modelDir?: string;
  /**
   * Decoder search: `full` (default) is pocketsphinx's own search; `fast` caps the HMMs searched
   * per frame at FAST_MAX_HMM_PER_FRAME, ~2.5× less CPU, but misheard the call e2e's question
   * ("what is the capital of france" → "what is that era but to love friends") on a fresh decoder,
   * so it is not the default: a wrong transcript costs more than a queued one.
   */
  search?: 'fast' | 'full';
  /** Decoder processes at most (default: defaultMaxDecoders — `full` 2 per core, at most 4; `fast` 3 per core, at most 8; ~90 MB each). */
  maxDecoders?: number;
  /** Audio a stream may hold while waiting for a decoder (default 30 s). */
  maxBufferedSeconds?: number;
  /** Model load (process start) timeout (default 30 s: several starting at once on 2 cores). */
  startTimeoutMs?: number;
  /** How long `finish` waits beyond the audio still queued in the decoder (default 10 s, plus 3 s per queued second). */
  finishTimeoutMs?: number;
  /** Idle decoders beyond the first exit after this long (default 60 s). */
  idleExitMs?: number;
  /**
   * Keep pocketsphinx's second (fwdflat) pass at the end of each utterance: slightly different
   * words at ~3× the time from end of speech to final text. Default false.
   */
  secondPass?: boolean;
}

export type SttError = Error & { code: string };

export function sttError(code: string, message: string): SttError {
  return Object.assign(new Error(message), { code });
}

export interface PocketsphinxEngine extends SttEngine {
  /** Decoders running and leased now (metrics, tests). */
  stats(): { processes: number; leased: number; waiting: number };
  /** Ends every decoder process (server shutdown, tests). */
  dispose(): Promise<void>;
}

export function createPocketsphinxStt(options: PocketsphinxOptions = {}): PocketsphinxEngine {
  const python = options.python ?? SYSTEM_PYTHON;
  const modelDir = options.modelDir ?? POCKETSPHINX_MODEL_DIR;
  const search = options.search ?? 'full';
  const pool = new DecoderPool({
    python,
    modelDir,
    maxHmmPerFrame: search === 'fast' ? FAST_MAX_HMM_PER_FRAME : null,
    maxDecoders: options.maxDecoders ?? defaultMaxDecoders(search),
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    idleExitMs: options.idleExitMs ?? 60_000,
    secondPass: options.secondPass ?? false,
  });
  const maxBufferedSamples = (options.maxBufferedSeconds ?? 30) * PIPELINE_SAMPLE_RATE;
  const finishTimeoutMs = options.finishTimeoutMs ?? 10_000;
  let readinessCache: { at: number; value: Promise<EngineReadiness> } | null = null;

  return {
    id: 'pocketsphinx',
    kind: 'stt',
    family: 'system',
    label: 'CMU pocketsphinx (English)',
    remote: false,
    streaming: true,
    readiness() {
      // Spawning python to import the module costs ~100 ms: cache for 30 s.
      if (!readinessCache || Date.now() - readinessCache.at > 30_000) {
        readinessCache = { at: Date.now(), value: checkReadiness(python, modelDir) };
      }
      return readinessCache.value;
    },
    async open({ language, signal }) {
      if (language && !/^en\b/i.test(language)) {
        throw sttError(
          'stt_language_unsupported',
          `pocketsphinx here recognises English only, not ${language}`,
        );
      }
      const ready = await this.readiness();
      if (!ready.ready) throw sttError('stt_engine_unavailable', ready.detail ?? 'pocketsphinx is not ready');
      pool.warm();
      const stream = new PocketsphinxStream(pool, maxBufferedSamples, finishTimeoutMs);
      if (signal) {
        if (signal.aborted) stream.close();
        else signal.addEventListener('abort', () => stream.close(), { once: true });
      }
      return stream;
    },
    stats: () => pool.stats(),
    dispose: () => pool.dispose(),
  };
}

async function checkReadiness(python: string, modelDir: string): Promise<EngineReadiness> {
  if (!fs.existsSync(python)) {
    return {
      ready: false,
      code: 'engine_not_installed',
      detail: `${python} is missing: apt-get install python3 python3-pocketsphinx pocketsphinx-en-us`,
    };
  }
  if (!fs.existsSync(`${modelDir}/en-us.lm.bin`) || !fs.existsSync(`${modelDir}/en-us/mdef`)) {
    return {
      ready: false,
      code: 'model_missing',
      detail: `The pocketsphinx English model is not in ${modelDir}: apt-get install pocketsphinx-en-us`,
    };
  }
  const imported = await new Promise<boolean>((resolve) => {
    execFile(python, ['-c', 'import pocketsphinx'], { timeout: 10_000 }, (err) => resolve(!err));
  });
  if (!imported) {
    return {
      ready: false,
      code: 'engine_not_installed',
      detail: `${python} cannot import pocketsphinx: apt-get install python3-pocketsphinx`,
    };
  }
  return { ready: true };
}

/* ------------------------------------------------------------------ decoder processes */

interface WorkerMessage {
  t: 'ready' | 'partial' | 'final' | 'error';
  u?: number;
  text?: string;
  message?: string;
}

/** Whoever holds a decoder: gets its messages and its death. */
interface Lessee {
  onMessage(message: WorkerMessage): void;
  onDeath(error: SttError): void;
}

class DecoderProcess {
  readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly ready: Promise<void>;
  lessee: Lessee | null = null;
  dead = false;
  idleTimer: NodeJS.Timeout | null = null;
  private stderrTail = '';

  constructor(
    python: string,
    modelDir: string,
    secondPass: boolean,
    maxHmmPerFrame: number | null,
    startTimeoutMs: number,
    private readonly onExit: (process: DecoderProcess) => void,
  ) {
    const args = [
      '-c',
      POCKETSPHINX_WORKER_SCRIPT,
      modelDir,
      ...(secondPass ? ['second-pass'] : []),
      ...(maxHmmPerFrame !== null ? [`maxhmmpf=${maxHmmPerFrame}`] : []),
    ];
    this.child = spawn(python, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let readyResolve!: () => void;
    let readyReject!: (error: SttError) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    // A start that fails is reported through `ready`; nobody may be awaiting it yet.
    this.ready.catch(() => {});
    const startTimer = setTimeout(() => {
      readyReject(sttError('stt_engine_failed', `pocketsphinx did not load within ${startTimeoutMs} ms`));
      this.kill();
    }, startTimeoutMs);

    let pending = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        let message: WorkerMessage;
        try {
          message = JSON.parse(line) as WorkerMessage;
        } catch {
          continue;
        }
        if (message.t === 'ready') {
          clearTimeout(startTimer);
          readyResolve();
        } else if (message.t === 'error') {
          this.stderrTail = message.message ?? this.stderrTail;
        } else {
          this.lessee?.onMessage(message);
        }
      }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-500);
    });
    // Writes to a dead process fail with EPIPE: the exit handler reports the death.
    this.child.stdin.on('error', () => {});
    this.child.on('error', (err) => {
      this.stderrTail = err.message;
      this.markDead(startTimer, readyReject);
    });
    this.child.on('exit', () => this.markDead(startTimer, readyReject));
    // Idle, it never keeps the server (or a test run) alive on its own; leased, it does.
    this.setActive(false);
  }

  /** Holds the event loop open only while an utterance is using the process. */
  setActive(active: boolean): void {
    if (this.dead) return;
    const method = active ? 'ref' : 'unref';
    this.child[method]();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (stream as unknown as Record<string, (() => void) | undefined>)[method]?.();
    }
  }

  private markDead(startTimer: NodeJS.Timeout, readyReject: (error: SttError) => void): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(startTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const error = sttError(
      'stt_engine_failed',
      `The pocketsphinx process stopped${this.stderrTail ? `: ${this.stderrTail.trim()}` : ''}`,
    );
    readyReject(error);
    const lessee = this.lessee;
    this.lessee = null;
    lessee?.onDeath(error);
    this.onExit(this);
  }

  send(kind: 'A' | 'F' | 'R' | 'Q', utterance: number, payload?: Int16Array): void {
    if (this.dead) return;
    const length = payload ? payload.byteLength : 0;
    const header = Buffer.alloc(9);
    header.write(kind, 0, 'ascii');
    header.writeUInt32LE(utterance >>> 0, 1);
    header.writeUInt32LE(length, 5);
    this.child.stdin.write(header);
    if (payload && length > 0) {
      this.child.stdin.write(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    }
  }

  /** Bytes written that the process has not read yet. */
  backlogBytes(): number {
    return this.child.stdin.writableLength;
  }

  kill(): void {
    if (!this.dead) this.child.kill('SIGKILL');
  }
}

interface PoolConfig {
  python: string;
  modelDir: string;
  secondPass: boolean;
  /** `-maxhmmpf`, or null for pocketsphinx's default. */
  maxHmmPerFrame: number | null;
  maxDecoders: number;
  startTimeoutMs: number;
  idleExitMs: number;
}

class DecoderPool {
  private readonly processes = new Set<DecoderProcess>();
  private readonly idle: DecoderProcess[] = [];
  private readonly waiters: Array<{ resolve: (p: DecoderProcess) => void; reject: (e: SttError) => void }> =
    [];

  constructor(private readonly config: PoolConfig) {}

  stats() {
    return {
      processes: this.processes.size,
      leased: [...this.processes].filter((p) => p.lessee).length,
      waiting: this.waiters.length,
    };
  }

  /** Starts one decoder ahead of the first utterance (model load is ~0.5 s). */
  warm(): void {
    if (this.processes.size === 0) this.release(this.spawn());
  }

  private spawn(): DecoderProcess {
    const process = new DecoderProcess(
      this.config.python,
      this.config.modelDir,
      this.config.secondPass,
      this.config.maxHmmPerFrame,
      this.config.startTimeoutMs,
      (dead) => this.forget(dead),
    );
    this.processes.add(process);
    return process;
  }

  private forget(process: DecoderProcess): void {
    this.processes.delete(process);
    const at = this.idle.indexOf(process);
    if (at >= 0) this.idle.splice(at, 1);
    // A waiter may now get a fresh process in its place.
    if (this.waiters.length > 0 && this.processes.size < this.config.maxDecoders) {
      this.waiters.shift()!.resolve(this.spawn());
    }
  }

  /**
   * A decoder process for one utterance: an idle one, a new one, or the next one released.
   * `cancel` leaves the queue (the stream closed while waiting).
   */
  acquire(): { promise: Promise<DecoderProcess>; cancel: () => void } {
    while (this.idle.length > 0) {
      const process = this.idle.pop()!;
      if (process.idleTimer) clearTimeout(process.idleTimer);
      process.idleTimer = null;
      if (!process.dead) {
        this.keepSpare();
        return { promise: Promise.resolve(process), cancel: () => {} };
      }
    }
    if (this.processes.size < this.config.maxDecoders) {
      const process = this.spawn();
      this.keepSpare();
      return { promise: Promise.resolve(process), cancel: () => {} };
    }
    let waiter!: { resolve: (p: DecoderProcess) => void; reject: (e: SttError) => void };
    const promise = new Promise<DecoderProcess>((resolve, reject) => {
      waiter = { resolve, reject };
      this.waiters.push(waiter);
    });
    return {
      promise,
      cancel: () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
      },
    };
  }

  /**
   * While there is room, one decoder more than those leased is started and kept idle: the next
   * segment of a turn begins while the last one's decoder still finishes it, and loading a model
   * (~0.5 s, more on a busy machine) would hold up its partials. Extra decoders exit when idle.
   */
  private keepSpare(): void {
    if (this.idle.length === 0 && this.processes.size < this.config.maxDecoders) this.release(this.spawn());
  }

  release(process: DecoderProcess): void {
    process.lessee = null;
    if (process.dead) return;
    process.setActive(false);
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve(process);
      return;
    }
    this.idle.push(process);
    // Keep one decoder warm; extra ones exit when the burst is over.
    process.idleTimer = setTimeout(() => {
      if (this.processes.size > 1 && this.idle.includes(process)) {
        this.idle.splice(this.idle.indexOf(process), 1);
        process.send('Q', 0);
        process.child.stdin.end();
      }
    }, this.config.idleExitMs);
    process.idleTimer.unref();
  }

  async dispose(): Promise<void> {
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(sttError('stt_engine_failed', 'pocketsphinx is shutting down'));
    }
    const exits = [...this.processes].map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.dead) return resolve();
          p.child.once('exit', () => resolve());
          // Held until it has exited: dispose resolves only then.
          p.setActive(true);
          p.kill();
        }),
    );
    await Promise.all(exits);
  }
}

/* ------------------------------------------------------------------ one stream */

let nextUtterance = 1;

class PocketsphinxStream implements SttStream, Lessee {
  private readonly partialListeners: Array<(text: string) => void> = [];
  private readonly errorListeners: Array<(error: Error & { code?: string }) => void> = [];
  private process: DecoderProcess | null = null;
  private acquiring: Promise<DecoderProcess> | null = null;
  private cancelAcquire: (() => void) | null = null;
  /** Audio written before a decoder was leased. */
  private buffered: Int16Array[] = [];
  private bufferedSamples = 0;
  private utterance = 0;
  private failed: SttError | null = null;
  private closed = false;
  private finalWaiter: {
    utterance: number;
    resolve: (text: string) => void;
    reject: (e: SttError) => void;
  } | null = null;

  constructor(
    private readonly pool: DecoderPool,
    private readonly maxBufferedSamples: number,
    private readonly finishTimeoutMs: number,
  ) {}

  onPartial(listener: (text: string) => void): void {
    this.partialListeners.push(listener);
  }

  onError(listener: (error: Error & { code?: string }) => void): void {
    this.errorListeners.push(listener);
  }

  write(samples: Int16Array): void {
    if (this.closed || this.failed || samples.length === 0) return;
    if (this.utterance === 0) this.utterance = nextUtterance++;
    if (this.process) {
      // A decoder starved of CPU falls behind; what it has not read yet is bounded too.
      if (this.process.backlogBytes() / 2 > this.maxBufferedSamples) {
        this.fail(sttError('stt_overloaded', 'The speech recogniser fell too far behind the audio'));
        return;
      }
      this.process.send('A', this.utterance, samples);
      return;
    }
    this.bufferedSamples += samples.length;
    if (this.bufferedSamples > this.maxBufferedSamples) {
      this.fail(sttError('stt_overloaded', 'Every speech recogniser is busy; the audio could not be kept'));
      return;
    }
    this.buffered.push(samples.slice());
    this.lease();
  }

  private lease(): Promise<DecoderProcess> {
    if (this.process) return Promise.resolve(this.process);
    if (!this.acquiring) {
      const { promise, cancel } = this.pool.acquire();
      this.cancelAcquire = cancel;
      this.acquiring = promise.then(async (process) => {
        // Someone waits for this decoder now: its start must keep the event loop alive.
        process.setActive(true);
        await process.ready;
        if (this.closed || this.failed || process.dead) {
          if (!process.dead) this.pool.release(process);
          throw this.failed ?? sttError('stt_engine_failed', 'The stream closed while starting');
        }
        this.process = process;
        process.lessee = this;
        process.setActive(true);
        for (const chunk of this.buffered) process.send('A', this.utterance, chunk);
        this.buffered = [];
        this.bufferedSamples = 0;
        return process;
      });
      this.acquiring.catch((err: SttError) => {
        if (!this.closed) this.fail(err.code ? err : sttError('stt_engine_failed', String(err)));
      });
    }
    return this.acquiring;
  }

  async finish(): Promise<string> {
    if (this.failed) throw this.failed;
    if (this.closed) return '';
    if (this.utterance === 0) return '';
    const utterance = this.utterance;
    const process = await this.lease();
    const backlogSeconds = process.backlogBytes() / 2 / PIPELINE_SAMPLE_RATE;
    const text = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.finalWaiter = null;
          const error = sttError('stt_timeout', 'pocketsphinx did not return the transcript in time');
          // A decoder that stops answering is not reused.
          process.kill();
          reject(error);
        },
        // Queued audio is allowed three times its length: a decoder on a loaded machine runs
        // slower than real time (the call e2e timed out at ~4× load with one second per second).
        this.finishTimeoutMs + backlogSeconds * 3000,
      );
      timer.unref();
      this.finalWaiter = {
        utterance,
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      process.send('F', utterance);
    });
    this.endUtterance();
    return text;
  }

  /** The utterance is over: the decoder goes back for the next speaker. */
  private endUtterance(): void {
    const process = this.process;
    this.process = null;
    this.acquiring = null;
    this.cancelAcquire = null;
    this.utterance = 0;
    this.finalWaiter = null;
    if (process && process.lessee === this) this.pool.release(process);
  }

  onMessage(message: WorkerMessage): void {
    if (message.u !== this.utterance) return;
    if (message.t === 'partial') {
      for (const listener of this.partialListeners) listener(message.text ?? '');
    } else if (message.t === 'final' && this.finalWaiter?.utterance === message.u) {
      this.finalWaiter.resolve(message.text ?? '');
    }
  }

  onDeath(error: SttError): void {
    this.process = null;
    this.fail(error);
  }

  private fail(error: SttError): void {
    if (this.failed || this.closed) return;
    this.failed = error;
    this.finalWaiter?.reject(error);
    this.finalWaiter = null;
    this.buffered = [];
    const process = this.process;
    this.process = null;
    if (process && !process.dead) {
      process.send('R', this.utterance);
      this.pool.release(process);
    }
    this.cancelAcquire?.();
    for (const listener of this.errorListeners) listener(error);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffered = [];
    const process = this.process;
    this.process = null;
    if (process && !process.dead && process.lessee === this) {
      process.send('R', this.utterance);
      this.pool.release(process);
    }
    this.cancelAcquire?.();
    this.finalWaiter?.resolve('');
    this.finalWaiter = null;
  }
}
