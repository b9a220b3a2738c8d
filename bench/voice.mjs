// The realtime voice loop of issue 14 through a running Lumina (`packages/server/src/bin.ts` under
// tsx, as `npm run dev` runs it; BENCH_VOICE_ENTRY=cli runs the built CLI) with the system engines
// (energy VAD, pocketsphinx, espeak-ng) and a local OpenAI-wire model whose first token leaves
// 200 ms after the request (then the rest 20 ms apart). Speech is made now by
// `flite -voice kal16` and replayed into /ws/voice in real time, 100 ms packets. One clock: the
// bench's own (`performance.now()`), plus the server's `turn_timing` (the server's clock).
// Measures the targets of issue 14:
// - speech end → final transcript p50: the words' final text, the turn's last `segment_transcript`
//   (sent at a short pause, `segmentSilenceMs`); speech end = the packet holding the last speech
//   sample was sent. Also reported: speech end → `final_transcript` (the stored turn), which
//   cannot come before the end-of-turn silence (450 ms);
// - the interval between partial transcripts while speaking;
// - end of turn → first audio byte, minus the model's first-token time, p95 (server clock:
//   firstAudioSentMs − finalTranscriptMs − the model's measured first-token time);
// - barge-in: first voiced packet sent → `interrupted` received, p95;
// - 20 concurrent calls (3 turns each): errors, dropped audio, turns completed.
// Options: --quick (fewer turns). Prints JSON like the other bench scripts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { benchOptions, isMain, machineInfo, printJson, progress } from './lib/common.mjs';
import { ROOT, round, SERVER_BIN, startServer, tempDir } from './lib/server.mjs';

const FIRST_TOKEN_MS = 200;
const REPLY =
  'Sure. The sky looks blue because air scatters short blue wavelengths far more than red ones. ' +
  'At sunset the light crosses much more air, so mostly reds and oranges reach your eyes. ' +
  'Clouds stay white because their droplets scatter every colour about equally.';

const percentile = (values, p) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
};
const spread = (values) => ({
  n: values.length,
  p50: round(percentile(values, 50) ?? Number.NaN, 1),
  p95: round(percentile(values, 95) ?? Number.NaN, 1),
  max: values.length ? round(Math.max(...values), 1) : null,
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The model: OpenAI chat-completions SSE, first token FIRST_TOKEN_MS after the request. */
function startModel() {
  const firstTokenMs = [];
  const server = http.createServer((req, res) => {
    req.resume(); // the request body (the chat) is not needed
    req.on('end', async () => {
      const arrived = performance.now();
      if (req.url.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ object: 'list', data: [{ id: 'bench-model', object: 'model' }] }));
      }
      const chunk = (delta, finish = null) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: '' }));
      const tokens = REPLY.split(/(?<= )/);
      await sleep(Math.max(0, arrived + FIRST_TOKEN_MS - performance.now()));
      for (const [i, token] of tokens.entries()) {
        if (res.destroyed) return;
        if (i === 0) firstTokenMs.push(performance.now() - arrived);
        res.write(chunk({ content: token }));
        await sleep(20);
      }
      res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        origin: `http://127.0.0.1:${server.address().port}`,
        firstTokenMs,
        close: () => server.close(),
      }),
    ),
  );
}

/** Mono PCM16 speech by flite (16 kHz). */
function speech(text) {
  const dir = tempDir('lumina-voice-bench-');
  const file = path.join(dir, 's.wav');
  execFileSync('flite', ['-voice', 'kal16', '-t', text, '-o', file]);
  const bytes = fs.readFileSync(file);
  fs.rmSync(dir, { recursive: true, force: true });
  // The data chunk: find "data" and read its length.
  const at = bytes.indexOf('data');
  const length = bytes.readUInt32LE(at + 4);
  const samples = new Int16Array(length / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(at + 8 + i * 2);
  return { samples, sampleRate: bytes.readUInt32LE(24) };
}

async function account(url) {
  const headers = { 'content-type': 'application/json', 'x-lumina-csrf': '1' };
  const signup = await fetch(`${url}/api/auth/signup`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      email: 'voice-bench@example.org',
      password: 'a benchmark passphrase',
      name: 'Bench',
    }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
  const all = { ...headers, cookie: signup.headers.get('set-cookie').split(';')[0] };
  const call = async (method, p, body) => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: all,
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  await call('PUT', '/api/settings', { defaultModel: 'openai/bench-model' });
  const avatarId = (await call('GET', '/api/avatars')).avatars[0].id;
  return {
    cookie: all.cookie,
    conversation: async () =>
      (await call('POST', '/api/conversations', { avatarId, title: 'voice bench' })).conversation.id,
  };
}

/** One call: events with arrival times, audio arrivals, real-time streaming. */
async function openCall(url, cookie, conversationId) {
  const wsUrl = `${url.replace('http', 'ws')}/ws/voice?conversationId=${conversationId}`;
  const socket = new WebSocket(wsUrl, { headers: { cookie, origin: url } });
  const events = [];
  const audio = [];
  socket.on('message', (data, isBinary) => {
    const at = performance.now();
    if (isBinary) audio.push({ at, bytes: data.length });
    else events.push({ ...JSON.parse(String(data)), at });
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const next = async (match, from = 0, timeoutMs = 30_000) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = events.slice(from).find(match);
      if (found) return found;
      if (performance.now() > deadline || socket.readyState !== WebSocket.OPEN)
        throw new Error(`voice event not received; saw ${events.map((e) => e.type).join(',')}`);
      await sleep(5);
    }
  };
  /** Streams samples in real time; answers the send time of each packet. */
  const stream = async (samples) => {
    const per = 1_600;
    const sent = [];
    const started = performance.now();
    for (let i = 0, n = 0; i < samples.length; i += per, n++) {
      const wait = started + n * 100 - performance.now();
      if (wait > 0) await sleep(wait);
      const packet = samples.subarray(i, i + per);
      sent.push(performance.now());
      socket.send(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength), { binary: true });
    }
    return sent;
  };
  socket.send(JSON.stringify({ type: 'start', sampleRate: 16_000, mode: 'hands_free' }));
  await next((e) => e.type === 'ready');
  return { socket, events, audio, next, stream, send: (m) => socket.send(JSON.stringify(m)) };
}

/** Speech with `beforeMs` of silence before and `afterMs` after; where the speech is. */
function utterance(s, beforeMs, afterMs) {
  const before = 16 * beforeMs;
  const out = new Int16Array(before + s.samples.length + 16 * afterMs);
  out.set(s.samples, before);
  // The speech's own leading/trailing silence does not count: find the first/last loud sample.
  let first = 0;
  let last = s.samples.length - 1;
  while (first < s.samples.length && Math.abs(s.samples[first]) < 500) first++;
  while (last > 0 && Math.abs(s.samples[last]) < 500) last--;
  return { samples: out, firstSample: before + first, lastSample: before + last };
}

/** One turn: speak, wait for the reply to be spoken; answers its measurements. */
async function turn(call, u) {
  const from = call.events.length;
  const sent = await call.stream(u.samples);
  const speechEnd = sent[Math.floor(u.lastSample / 1_600)];
  const speechStart = sent[Math.floor(u.firstSample / 1_600)];
  const final = await call.next((e) => e.type === 'final_transcript', from);
  // The words' final text: the turn's last segment final (at or before the stored turn).
  const segment = call.events
    .slice(from)
    .filter((e) => e.type === 'segment_transcript' && e.at <= final.at)
    .at(-1);
  const timing = await call.next((e) => e.type === 'turn_timing', from);
  const end = await call.next((e) => e.type === 'assistant_end', from);
  const partials = call.events
    .slice(from)
    .filter((e) => e.type === 'partial_transcript' && e.at <= speechEnd + 100);
  const gaps = [];
  let previous = speechStart;
  for (const p of partials) {
    gaps.push(p.at - previous);
    previous = p.at;
  }
  const errors = call.events.slice(from).filter((e) => e.type === 'error');
  return { final, segment, timing, end, speechEnd, gaps, errors };
}

export async function benchVoice(options = benchOptions()) {
  const quick = options.quick;
  const model = await startModel();
  const cli = process.env.BENCH_VOICE_ENTRY === 'cli';
  const server = await startServer({
    dataDir: tempDir(),
    bin: cli ? SERVER_BIN : path.join(ROOT, 'packages', 'server', 'src', 'bin.ts'),
    args: cli ? ['start'] : [],
    nodeArgs: cli ? [] : ['--import', 'tsx'],
    env: { LOG_LEVEL: 'warn', OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: `${model.origin}/v1` },
  });
  const result = { entry: cli ? 'cli' : 'src (tsx)', modelFirstTokenMs: FIRST_TOKEN_MS, engines: null };
  try {
    const user = await account(server.url);
    const question = utterance(speech('what is the weather like today'), 300, 1_000);
    const stop = utterance(speech('please stop talking now'), 0, 1_000);

    progress('voice: sequential turns');
    const call = await openCall(server.url, user.cookie, await user.conversation());
    result.engines = call.events.find((e) => e.type === 'ready').engines;
    const turns = [];
    // The first turn warms the recogniser's decoder process; it is not counted.
    const n = quick ? 4 : 10;
    for (let i = 0; i <= n; i++) {
      const t = await turn(call, question);
      call.send({ type: 'playback', playedMs: 60_000 });
      if (i > 0) turns.push(t);
      await sleep(300);
    }
    const modelFirst = spread(model.firstTokenMs).p50;
    result.sequential = {
      turns: turns.length,
      transcripts: [...new Set(turns.map((t) => t.final.text))],
      speechEndToSegmentFinalMs: spread(
        turns.filter((t) => t.segment).map((t) => t.segment.at - t.speechEnd),
      ),
      speechEndToFinalTranscriptMs: spread(turns.map((t) => t.final.at - t.speechEnd)),
      serverEndOfTurnToFinalTranscriptMs: spread(turns.map((t) => t.timing.finalTranscriptMs)),
      partialIntervalMs: spread(turns.flatMap((t) => t.gaps)),
      // The same gaps in two parts: speech onset → first partial (the detector's minimum speech
      // and the recogniser's first word), then between partials.
      firstPartialAfterSpeechStartMs: spread(turns.filter((t) => t.gaps.length).map((t) => t.gaps[0])),
      partialIntervalAfterFirstMs: spread(turns.flatMap((t) => t.gaps.slice(1))),
      modelFirstTokenMeasuredMs: modelFirst,
      endOfTurnToFirstAudioMinusModelFirstTokenMs: spread(
        turns.map((t) => t.timing.firstAudioSentMs - t.timing.finalTranscriptMs - modelFirst),
      ),
      serverTimingsMs: {
        finalTranscript: spread(turns.map((t) => t.timing.finalTranscriptMs)),
        llmFirstToken: spread(turns.map((t) => t.timing.llmFirstTokenMs)),
        firstTtsByte: spread(turns.map((t) => t.timing.firstTtsByteMs)),
        firstAudioSent: spread(turns.map((t) => t.timing.firstAudioSentMs)),
      },
      errors: turns.flatMap((t) => t.errors.map((e) => e.code)),
    };

    progress('voice: barge-in');
    const bargeIns = [];
    for (let i = 0; i < (quick ? 4 : 10); i++) {
      const from = call.events.length;
      await call.stream(question.samples);
      await call.next((e) => e.type === 'tts_start', from);
      await sleep(1_000);
      const bargeFrom = call.events.length;
      const sent = await call.stream(stop.samples);
      const firstVoiced = sent[Math.floor(stop.firstSample / 1_600)];
      const interrupted = await call.next((e) => e.type === 'interrupted', bargeFrom);
      bargeIns.push(interrupted.at - firstVoiced);
      call.send({ type: 'playback', playedMs: 1_000 });
      await call.next((e) => e.type === 'assistant_end' && e.interrupted === true, bargeFrom);
      // The "please stop" turn is answered too; let it finish.
      await call.next((e) => e.type === 'assistant_end' && e.interrupted === false, bargeFrom);
      call.send({ type: 'playback', playedMs: 60_000 });
      await sleep(300);
    }
    result.bargeIn = { firstVoicedToInterruptedMs: spread(bargeIns) };
    call.socket.close();

    progress('voice: 20 concurrent calls');
    const sessions = Number(process.env.BENCH_VOICE_SESSIONS ?? 20);
    const perCall = quick ? 2 : 3;
    const concurrent = await Promise.all(
      Array.from({ length: sessions }, async (_, i) => {
        await sleep(i * 50);
        const c = await openCall(server.url, user.cookie, await user.conversation());
        const done = [];
        try {
          for (let k = 0; k < perCall; k++) {
            const t = await turn(c, question);
            c.send({ type: 'playback', playedMs: 60_000 });
            done.push(t);
          }
        } catch (err) {
          return {
            done,
            // Which turn, and the last events it saw (the message lists them all from the start).
            failed: `turn ${done.length + 1}: ${String(err.message).slice(0, 30)}… last ${c.events
              .slice(-4)
              .map((e) => (e.type === 'error' ? `error ${e.code}` : e.type))
              .join(',')}`,
            errors: c.events.filter((e) => e.type === 'error'),
          };
        } finally {
          c.socket.close();
        }
        return { done, errors: c.events.filter((e) => e.type === 'error') };
      }),
    );
    const all = concurrent.flatMap((c) => c.done);
    result.concurrent = {
      sessions,
      turnsPerSession: perCall,
      turnsCompleted: all.length,
      failedSessions: concurrent.filter((c) => c.failed).map((c) => c.failed),
      errorCodes: concurrent.flatMap((c) => c.errors.map((e) => e.code)),
      speechEndToSegmentFinalMs: spread(all.filter((t) => t.segment).map((t) => t.segment.at - t.speechEnd)),
      partialIntervalMs: spread(all.flatMap((t) => t.gaps)),
      partialIntervalAfterFirstMs: spread(all.flatMap((t) => t.gaps.slice(1))),
      speechEndToFinalTranscriptMs: spread(all.map((t) => t.final.at - t.speechEnd)),
      endOfTurnToFirstAudioMinusModelFirstTokenMs: spread(
        all.map((t) => t.timing.firstAudioSentMs - t.timing.finalTranscriptMs - modelFirst),
      ),
      loadAverage1m: round(os.loadavg()[0], 2),
    };
    result.targets = targets(result);
  } finally {
    await server.stop();
    model.close();
  }
  return result;
}

/** The targets of issue 14: the figure, the limit, whether it is met. */
function targets(r) {
  const seq = r.sequential;
  const c = r.concurrent;
  return {
    voiceSpeechEndToFinalTranscriptP50Ms: {
      // The words' final text (segment_transcript); the stored turn follows the end-of-turn silence.
      value: seq.speechEndToSegmentFinalMs.p50,
      limit: '<= 300 (segment final)',
      met: seq.speechEndToSegmentFinalMs.p50 <= 300,
    },
    voicePartialIntervalMaxMs: {
      value: seq.partialIntervalMs.max,
      limit: '<= 250 (a partial at least every 250 ms while speaking)',
      met: seq.partialIntervalMs.max <= 250,
    },
    voiceEndOfTurnToFirstAudioMinusFirstTokenP95Ms: {
      value: seq.endOfTurnToFirstAudioMinusModelFirstTokenMs.p95,
      limit: '<= 150',
      met: seq.endOfTurnToFirstAudioMinusModelFirstTokenMs.p95 <= 150,
    },
    voiceBargeInP95Ms: {
      value: r.bargeIn.firstVoicedToInterruptedMs.p95,
      limit: '<= 100',
      met: r.bargeIn.firstVoicedToInterruptedMs.p95 <= 100,
    },
    voice20SessionsNoDropouts: {
      value: `${c.turnsCompleted}/${c.sessions * c.turnsPerSession} turns, ${c.errorCodes.length} errors`,
      limit: 'every turn of 20 concurrent calls, no errors',
      met: c.turnsCompleted === c.sessions * c.turnsPerSession && c.errorCodes.length === 0,
    },
  };
}

if (isMain(import.meta.url)) {
  const result = await benchVoice(benchOptions());
  printJson({ bench: 'voice', date: new Date().toISOString(), machine: machineInfo(), result });
  process.exit(0);
}
