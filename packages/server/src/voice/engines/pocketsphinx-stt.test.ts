import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createPocketsphinxStt,
  defaultMaxDecoders,
  FAST_MAX_HMM_PER_FRAME,
  type PocketsphinxEngine,
} from './pocketsphinx-stt.js';
import { describeSttConformance } from './stt-conformance.js';
import { silence, speech, words } from './test-speech.js';

const engine = createPocketsphinxStt();
afterAll(() => engine.dispose());

describeSttConformance('pocketsphinx', () => engine);

describe('pocketsphinx', () => {
  it('sends a partial for every ~100 ms of audio that changes the hypothesis, and keeps up with speech (real-time factor logged; under 1.5 even beside other test files)', async () => {
    const audio = await speech('hello world what is the weather like today');
    // Warm: the first decoder's model load is not part of the real-time factor.
    const warm = await engine.open({});
    warm.write(await speech('hello'));
    await warm.finish();
    warm.close();

    const stream = await engine.open({});
    const partialAt: number[] = [];
    stream.onPartial(() => partialAt.push(performance.now()));
    const started = performance.now();
    for (let i = 0; i < audio.length; i += 1600) stream.write(audio.subarray(i, i + 1600));
    const text = await stream.finish();
    const elapsed = performance.now() - started;
    const seconds = audio.length / 16000;
    console.warn(
      `pocketsphinx: ${seconds.toFixed(2)} s of speech decoded in ${elapsed.toFixed(0)} ms (real-time factor ${(elapsed / 1000 / seconds).toFixed(2)}), ${partialAt.length} partials`,
    );
    expect(words(text)).toEqual(['hello', 'world', 'what', 'is', 'the', 'weather', 'like', 'today']);
    // 2.5 s of audio = 25 checks; most change the hypothesis while words are coming.
    expect(partialAt.length).toBeGreaterThanOrEqual(8);
    // Faster than real time even with the other test files running beside it on 2 cores.
    expect(elapsed / 1000 / seconds).toBeLessThan(1.5);
    stream.close();
  });

  it('the fast search (an option) gives the same words as the full one on these sentences for well under its CPU per second of speech', async () => {
    const sentences = [
      'can you tell me a joke about cats',
      'please remind me to call my mother tomorrow morning',
      'my favorite color is green and i love to read books',
    ];
    const full = createPocketsphinxStt({ search: 'full', maxDecoders: 1 });
    const fast = createPocketsphinxStt({ search: 'fast', maxDecoders: 1 });
    // Per phase, whether each decoder process was started with the capped search.
    const searches: boolean[][] = [];
    try {
      const cost = async (own: PocketsphinxEngine) => {
        // Warm: the model load is not part of the decoding cost.
        const warm = await own.open({});
        warm.write(await speech('hello'));
        await warm.finish();
        warm.close();
        const before = await childCpuTicks();
        // Every decoder alive now (this file's shared engine's too): capped search or not.
        searches.push((await childArgs()).map((args) => args.includes(`maxhmmpf=${FAST_MAX_HMM_PER_FRAME}`)));
        const texts: string[][] = [];
        for (const sentence of sentences) {
          const stream = await own.open({});
          const audio = await speech(sentence);
          for (let i = 0; i < audio.length; i += 1600) stream.write(audio.subarray(i, i + 1600));
          texts.push(words(await stream.finish()));
          stream.close();
        }
        return { texts, ticks: (await childCpuTicks()) - before };
      };
      const slow = await cost(full);
      await full.dispose();
      const quick = await cost(fast);
      console.warn(`pocketsphinx CPU ticks for the same speech: full ${slow.ticks}, fast ${quick.ticks}`);
      expect(searches[0]).toContain(false); // the full engine's decoder
      expect(searches[1]?.length).toBeGreaterThan(0);
      expect(searches[1]).toContain(true); // the fast engine's decoder
      expect(quick.texts).toEqual(sentences.map((s) => s.split(' ')));
      expect(quick.texts).toEqual(slow.texts);
      // Measured 0.11–0.15 vs 0.25–0.29 s of CPU per second of speech in a bare loop; through
      // the pool, with the first utterances and the partials, 0.44–0.72× here (other test files
      // beside it). The same search would give ~1×.
      expect(quick.ticks).toBeLessThan(slow.ticks * 0.85);
    } finally {
      await full.dispose();
      await fast.dispose();
    }
  });

  it('sizes the pool from the search cost: fast runs 3 decoders per core (at most 8), full the old 2 (at most 4)', () => {
    expect(defaultMaxDecoders('fast', 2)).toBe(6);
    expect(defaultMaxDecoders('fast', 4)).toBe(8);
    expect(defaultMaxDecoders('full', 2)).toBe(4);
    expect(defaultMaxDecoders('full', 1)).toBe(2);
  });

  it('refuses languages other than English with stt_language_unsupported', async () => {
    await expect(engine.open({ language: 'fr' })).rejects.toMatchObject({ code: 'stt_language_unsupported' });
    await expect(engine.open({ language: 'en-GB' })).resolves.toBeDefined();
  });

  it('keeps one spare decoder started while there is room: the next segment does not wait for a model load', async () => {
    const pool = createPocketsphinxStt({ maxDecoders: 2 });
    try {
      const first = await pool.open({});
      first.write(await speech('what time is it'));
      // One leased, one started beside it and idle.
      await expect.poll(() => pool.stats(), { timeout: 10_000 }).toMatchObject({ processes: 2, leased: 1 });
      const finishing = first.finish();
      const second = await pool.open({});
      second.write(await speech('good morning'));
      expect(words(await finishing)).toEqual(['what', 'time', 'is', 'it']);
      expect(words(await second.finish())).toEqual(['good', 'morning']);
      // Never past the bound.
      expect(pool.stats().processes).toBe(2);
      first.close();
      second.close();
    } finally {
      await pool.dispose();
    }
  }, 60_000);

  it('bounds decoder processes: a caller waits for a free decoder and is then served', async () => {
    const one = createPocketsphinxStt({ maxDecoders: 1 });
    try {
      const a = await one.open({});
      const b = await one.open({});
      a.write(await speech('good morning'));
      b.write(await speech('what time is it'));
      expect(one.stats()).toMatchObject({ processes: 1, waiting: 1 });
      const [first, second] = await Promise.all([a.finish(), b.finish()]);
      expect(words(first)).toEqual(['good', 'morning']);
      expect(words(second)).toEqual(['what', 'time', 'is', 'it']);
      expect(one.stats()).toMatchObject({ processes: 1, leased: 0, waiting: 0 });
    } finally {
      await one.dispose();
    }
  });

  it('fails with stt_overloaded when audio waits too long for a busy decoder', async () => {
    const one = createPocketsphinxStt({ maxDecoders: 1, maxBufferedSeconds: 1 });
    try {
      const a = await one.open({});
      a.write(silence(200));
      const b = await one.open({});
      const errors: Array<{ code?: string }> = [];
      b.onError((e) => errors.push(e));
      b.write(silence(600));
      b.write(silence(600));
      expect(errors.map((e) => e.code)).toEqual(['stt_overloaded']);
      await expect(b.finish()).rejects.toMatchObject({ code: 'stt_overloaded' });
      expect(await a.finish()).toBe('');
    } finally {
      await one.dispose();
    }
  });

  it('fails with stt_overloaded when a leased decoder falls too far behind, and frees it', async () => {
    const own = createPocketsphinxStt({ maxDecoders: 1, maxBufferedSeconds: 1 });
    try {
      const stream = await own.open({});
      const errors: Array<{ code?: string }> = [];
      stream.onError((e) => errors.push(e));
      stream.write(silence(100));
      await expect.poll(() => own.stats().leased, { timeout: 10_000 }).toBe(1);
      // A stopped decoder reads nothing: its pipe fills past one second of audio.
      const pids = await childPids();
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      try {
        // The kernel's socket buffer takes a few seconds of audio first; then Node's queue grows.
        for (let i = 0; i < 600 && errors.length === 0; i++) stream.write(silence(100));
        expect(errors.map((e) => e.code)).toEqual(['stt_overloaded']);
      } finally {
        for (const pid of pids) process.kill(pid, 'SIGCONT');
      }
      await expect(stream.finish()).rejects.toMatchObject({ code: 'stt_overloaded' });
      expect(own.stats().leased).toBe(0);
    } finally {
      await own.dispose();
    }
  });

  it('reports a decoder process that dies mid-utterance as stt_engine_failed, and serves the next caller', async () => {
    const own = createPocketsphinxStt({ maxDecoders: 1 });
    try {
      const stream = await own.open({});
      const errors: Array<{ code?: string }> = [];
      stream.onError((e) => errors.push(e));
      stream.write(await speech('good morning'));
      // Wait until the decoder is leased, then kill it the way the OOM killer would.
      await expect.poll(() => own.stats().leased, { timeout: 10_000 }).toBe(1);
      const pids = await childPids();
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      await expect(stream.finish()).rejects.toMatchObject({ code: 'stt_engine_failed' });
      expect(errors.map((e) => e.code)).toEqual(['stt_engine_failed']);
      const next = await own.open({});
      next.write(await speech('what time is it'));
      expect(words(await next.finish())).toEqual(['what', 'time', 'is', 'it']);
    } finally {
      await own.dispose();
    }
  });

  it('times out a decoder that stops answering (stt_timeout), never hanging', async () => {
    const own = createPocketsphinxStt({ maxDecoders: 1, finishTimeoutMs: 500 });
    try {
      const stream = await own.open({});
      stream.write(await speech('hello'));
      await expect.poll(() => own.stats().leased, { timeout: 10_000 }).toBe(1);
      const pids = await childPids();
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      const started = performance.now();
      await expect(stream.finish()).rejects.toMatchObject({ code: 'stt_timeout' });
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await own.dispose();
    }
  });

  it('reports a missing interpreter or model as not ready, with the apt packages to install', async () => {
    const noPython = createPocketsphinxStt({ python: '/nonexistent/python3' });
    expect(await noPython.readiness()).toMatchObject({
      ready: false,
      code: 'engine_not_installed',
      detail: expect.stringContaining('apt-get install'),
    });
    await expect(noPython.open({})).rejects.toMatchObject({ code: 'stt_engine_unavailable' });
    const noModel = createPocketsphinxStt({ modelDir: '/nonexistent/model' });
    expect(await noModel.readiness()).toMatchObject({
      ready: false,
      code: 'model_missing',
      detail: expect.stringContaining('pocketsphinx-en-us'),
    });
    // A python without the module (pyenv's, first on PATH here) is caught too.
    const other = createPocketsphinxStt({ python: '/bin/false' });
    expect(await other.readiness()).toMatchObject({ ready: false, code: 'engine_not_installed' });
  });
});

/** The command lines of the decoder processes this test process started. */
async function childArgs(): Promise<string[]> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('python3') && line.includes('pocketsphinx'));
}

/** The decoder processes this test process started (python3 children). */
async function childPids(): Promise<number[]> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes('python3') && line.includes('pocketsphinx'))
    .map((line) => Number.parseInt(line.trim(), 10));
}

/** CPU time (user + system, clock ticks) used so far by the decoder processes alive now. */
async function childCpuTicks(): Promise<number> {
  let total = 0;
  for (const pid of await childPids()) {
    try {
      // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return total;
}
