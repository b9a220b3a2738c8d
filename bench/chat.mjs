// Chat turns end to end through a running Lumina (`npm start`'s server), with a local OpenAI-wire
// server as the model. Measures, in PGlite mode (and PostgreSQL with --pg-url):
// - time from the request to the first `text-delta` minus the model's own time to first token
//   (the same request made straight to the model server), p50 — target < 15 ms;
// - complete turns per second with 50-token replies — target >= 100 on 2 cores;
// - 200 concurrent streams: every reply complete and stored — target: no loss.
import { inPostgresMode, progress, runAsMain } from './lib/common.mjs';
import { withCpuUsage } from './lib/load.mjs';
import { startOpenAiWireServer } from './lib/openai-wire-server.mjs';
import { round, startServer, tempDir } from './lib/server.mjs';

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const summarize = (values) => ({
  p50: percentile(values, 50),
  p90: percentile(values, 90),
  p99: percentile(values, 99),
});

const TOKENS = 50;
const EXPECTED = Array.from({ length: TOKENS }, (_, i) => ` t${i}`).join('');

/** Reads an SSE response; returns time to the first text-delta, the text and the final status. */
async function readTurn(response, started) {
  let buffer = '';
  let firstDelta = null;
  let text = '';
  let status = null;
  const decoder = new TextDecoder();
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event === 'text-delta') {
        firstDelta ??= performance.now() - started;
        text += JSON.parse(data).delta;
      }
      if (event === 'finish') status = JSON.parse(data).status;
    }
  }
  return { firstDeltaMs: firstDelta, text, status };
}

/** The model's own time to first token: the same streaming request, straight to the model server. */
async function modelTtft(origin) {
  const started = performance.now();
  const res = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  let first = null;
  const decoder = new TextDecoder();
  for await (const bytes of res.body) {
    if (first === null && decoder.decode(bytes).includes('" t0"')) first = performance.now() - started;
  }
  return first;
}

async function session(url) {
  const headers = { 'content-type': 'application/json', 'x-lumina-csrf': '1' };
  const signup = await fetch(`${url}/api/auth/signup`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ email: 'bench@example.org', password: 'a benchmark passphrase', name: 'Bench' }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
  const all = { ...headers, cookie: signup.headers.get('set-cookie').split(';')[0] };
  const call = async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: all,
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  await call('PUT', '/api/settings', { defaultModel: 'openai/bench-model' });
  const avatarId = (await call('GET', '/api/avatars')).avatars[0].id;
  // A user-given title: no automatic-title call after the first exchange.
  const conversation = async () =>
    (await call('POST', '/api/conversations', { avatarId, title: 'bench' })).conversation.id;
  const turn = async (conversationId, content = 'Hello there') => {
    const started = performance.now();
    const res = await fetch(`${url}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: all,
      body: JSON.stringify({ content }),
    });
    if (res.status !== 200) throw new Error(`send: ${res.status} ${await res.text()}`);
    return { ...(await readTurn(res, started)), totalMs: performance.now() - started };
  };
  return { call, conversation, turn };
}

async function runMode(label, dataDir, extraEnv, model, options) {
  const server = await startServer({
    dataDir,
    env: {
      LOG_LEVEL: 'warn',
      OPENAI_API_KEY: 'bench',
      OPENAI_BASE_URL: `${model}/v1`,
      LUMINA_OLLAMA_AUTODETECT: 'false',
      LUMINA_API_LIMIT_PER_MINUTE: '1000000',
      ...extraEnv,
    },
  });
  try {
    const { conversation, turn, call } = await session(server.url);
    progress(`${label}: warm-up`);
    const warm = await conversation();
    for (let i = 0; i < 20; i++) await turn(warm);

    const runs = options.quick ? 40 : 200;
    progress(`${label}: time to first text-delta, ${runs} sequential turns (fresh conversations)`);
    const overhead = [];
    const lumina = [];
    const own = [];
    for (let i = 0; i < runs; i++) {
      const id = await conversation();
      const result = await turn(id);
      const raw = await modelTtft(model);
      lumina.push(result.firstDeltaMs);
      own.push(raw);
      overhead.push(result.firstDeltaMs - raw);
    }

    const seconds = options.quick ? 5 : 15;
    const clients = 16;
    progress(`${label}: turns per second, ${clients} clients for ${seconds} s`);
    const ids = await Promise.all(Array.from({ length: clients }, () => conversation()));
    let complete = 0;
    let failed = 0;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    const { cpu } = await withCpuUsage(server.pid, () =>
      Promise.all(
        ids.map(async (id) => {
          while (performance.now() < deadline) {
            const result = await turn(id).catch(() => ({ status: 'failed' }));
            if (result.status === 'complete' && result.text === EXPECTED) complete++;
            else failed++;
          }
        }),
      ),
    );
    const elapsedS = (performance.now() - started) / 1000;

    progress(`${label}: 200 concurrent streams`);
    const many = await Promise.all(Array.from({ length: 200 }, () => conversation()));
    const concurrentStarted = performance.now();
    const results = await Promise.allSettled(many.map((id) => turn(id, 'concurrent')));
    const concurrentMs = performance.now() - concurrentStarted;
    const streamed = results.filter(
      (r) => r.status === 'fulfilled' && r.value.status === 'complete' && r.value.text === EXPECTED,
    ).length;
    const firstFailure = results.find(
      (r) => r.status === 'rejected' || r.value.status !== 'complete' || r.value.text !== EXPECTED,
    );
    let stored = 0;
    for (const id of many) {
      const branch = await call('GET', `/api/conversations/${id}/messages`);
      const reply = branch.messages.at(-1);
      if (reply.role === 'assistant' && reply.status === 'complete' && reply.content === EXPECTED) stored++;
    }
    const ttft = summarize(overhead);
    return {
      timeToFirstDeltaMs: {
        luminaP50: round(summarize(lumina).p50, 2),
        modelOwnP50: round(summarize(own).p50, 2),
        overhead: { p50: round(ttft.p50, 2), p90: round(ttft.p90, 2), p99: round(ttft.p99, 2) },
        runs,
      },
      turnsPerSecond: {
        value: round(complete / elapsedS, 1),
        complete,
        failed,
        clients,
        seconds: round(elapsedS, 1),
        tokensPerReply: TOKENS,
        // The bench client and the model server share the two cores with Lumina.
        cpu,
        serverCpuMsPerTurn: round(cpu.serverCpuMs / complete, 2),
      },
      concurrentStreams: {
        streams: 200,
        streamedComplete: streamed,
        storedComplete: stored,
        wallMs: Math.round(concurrentMs),
        firstFailure: firstFailure
          ? firstFailure.status === 'rejected'
            ? String(firstFailure.reason?.message ?? firstFailure.reason)
            : { status: firstFailure.value.status, chars: firstFailure.value.text.length }
          : null,
      },
      targets: {
        ttftOverheadP50Ms: { limit: 15, value: round(ttft.p50, 2), met: ttft.p50 < 15 },
        turnsPerSecond: { limit: 100, value: round(complete / elapsedS, 1), met: complete / elapsedS >= 100 },
        concurrentStreamsNoLoss: {
          limit: 200,
          value: Math.min(streamed, stored),
          met: streamed === 200 && stored === 200,
        },
      },
    };
  } finally {
    await server.stop();
  }
}

export async function benchChat(options = {}) {
  const model = await startOpenAiWireServer({ fixedTokens: TOKENS });
  const origin = `http://127.0.0.1:${model.address().port}`;
  try {
    const pglite = await runMode('chat (PGlite)', tempDir(), {}, origin, options);
    const postgres = await inPostgresMode(options, (dir, env) =>
      runMode('chat (PostgreSQL)', dir, env, origin, options),
    );
    return {
      description:
        'POST /api/conversations/:id/messages through the built server (SSE), model = local OpenAI-wire server streaming 50 tokens at once',
      pglite,
      postgres,
    };
  } finally {
    model.close();
  }
}

await runAsMain(import.meta.url, 'chat', benchChat);
