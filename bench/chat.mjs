// Chat turns end to end through a running Lumina (`npm start`'s server), with a local OpenAI-wire
// server (its own process) as the model. Measures exactly the targets of issue 11, in PGlite mode
// and in PostgreSQL mode with --pg-url:
// - 200 concurrent streams, 100 tokens 20 ms apart: 0 errors, all 200 stored complete, first
//   content p50 <= 300 ms and p95 <= 1,000 ms (and the same 200 calls made straight to the model,
//   for comparison);
// - sequential 50-token turns: server CPU per turn <= 8 ms (PostgreSQL) / <= 12 ms (PGlite), and
//   first content minus the model's own first-token time, p50 <= 5 ms;
// - >= 150 complete 50-token turns/s with 16 clients.
// Options: --quick (fewer turns, shorter load), --pg-url <admin url>, --phases sequential,throughput,
// concurrent and --modes pglite,postgres (a part of the run, when working on one figure);
// BENCH_INTERVAL=0 sends the concurrent streams' tokens at once (what the 200 starts alone cost);
// BENCH_MEMORY=off turns the bench user's memory off (default on, as for a new user);
// BENCH_KEEP_DB=1 keeps the PostgreSQL database for a look at its plans afterwards;
// BENCH_SERVER_NODE_ARGS passes Node options to the server (e.g. "--cpu-prof --cpu-prof-dir=<dir>").
import { inPostgresMode, progress, runAsMain, signedInCaller } from './lib/common.mjs';
import { withCpuUsage } from './lib/load.mjs';
import { spawnOpenAiWireServer } from './lib/openai-wire-server.mjs';
import { BUNDLE_BIN, round, SERVER_BIN, startServer, tempDir } from './lib/server.mjs';

/** Nearest-rank percentile. */
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
};
const spread = (values) => ({
  p50: round(percentile(values, 50), 1),
  p95: round(percentile(values, 95), 1),
  p99: round(percentile(values, 99), 1),
  max: round(Math.max(...values), 1),
});

export const SEQUENTIAL = { fixedTokens: 50, intervalMs: 0 };
export const CONCURRENT = {
  fixedTokens: 100,
  intervalMs: Number(process.env.BENCH_INTERVAL ?? 20),
  streams: 200,
};
export const expectedText = (tokens) => Array.from({ length: tokens }, (_, i) => ` t${i}`).join('');

/** The targets of issue 11 (per storage mode where they differ). */
const TARGETS = {
  concurrentFirstContentP50Ms: 300,
  concurrentFirstContentP95Ms: 1000,
  cpuPerTurnMs: { pglite: 12, postgres: 8 },
  firstContentOverheadP50Ms: 5,
  turnsPerSecond16Clients: 150,
};

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

/** The model's own time to first token: a streaming request straight to the model server. */
async function modelTurn(origin) {
  const started = performance.now();
  const res = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  let first = null;
  let text = '';
  const decoder = new TextDecoder();
  for await (const bytes of res.body) {
    text += decoder.decode(bytes, { stream: true });
    if (first === null && text.includes('" t0"')) first = performance.now() - started;
  }
  return { firstDeltaMs: first, totalMs: performance.now() - started };
}

/** Signs up a bench user with the bench model as default; helpers to make conversations and turns. */
export async function session(url) {
  const { call, headers: all } = await signedInCaller(url);
  await call('PUT', '/api/settings', { defaultModel: 'openai/bench-model' });
  // BENCH_MEMORY=off: the user's memory off (no recall before the reply, no extraction after
  // it), to compare a turn with and without memory; on by default, as for every new user.
  if (process.env.BENCH_MEMORY === 'off') await call('PATCH', '/api/settings/memory', { enabled: false });
  const avatarId = (await call('GET', '/api/avatars')).avatars[0].id;
  // A user-given title: no automatic-title call after the first exchange.
  const conversation = async () =>
    (await call('POST', '/api/conversations', { avatarId, title: 'bench' })).conversation.id;
  const conversations = async (count) => {
    const ids = [];
    for (let i = 0; i < count; i++) ids.push(await conversation());
    return ids;
  };
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
  return { call, conversation, conversations, turn };
}

/** Sequential turns on fresh conversations: server CPU per turn and first-content overhead. */
async function sequentialTurns(server, client, model, runs) {
  const ids = await client.conversations(runs);
  const overhead = [];
  const lumina = [];
  const own = [];
  let complete = 0;
  const expected = expectedText(SEQUENTIAL.fixedTokens);
  // The direct model calls never touch the server, so its CPU over the loop is the turns' alone.
  const { cpu } = await withCpuUsage(server.pid, async () => {
    for (const id of ids) {
      const result = await client.turn(id);
      const raw = await modelTurn(model.origin);
      if (result.status === 'complete' && result.text === expected) complete++;
      lumina.push(result.firstDeltaMs);
      own.push(raw.firstDeltaMs);
      overhead.push(result.firstDeltaMs - raw.firstDeltaMs);
    }
  });
  return {
    runs,
    complete,
    serverCpuMsPerTurn: round(cpu.serverCpuMs / runs, 2),
    cpu,
    firstContentMs: spread(lumina),
    modelOwnFirstTokenMs: spread(own),
    firstContentOverheadMs: spread(overhead),
  };
}

/** `clients` conversations each sending turns back to back for `seconds`. */
async function turnsPerSecond(server, client, clients, seconds) {
  const ids = await client.conversations(clients);
  const expected = expectedText(SEQUENTIAL.fixedTokens);
  let complete = 0;
  let failed = 0;
  let firstFailure = null;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const { cpu } = await withCpuUsage(server.pid, () =>
    Promise.all(
      ids.map(async (id) => {
        while (performance.now() < deadline) {
          const result = await client.turn(id).catch((err) => ({ status: 'failed', error: err.message }));
          if (result.status === 'complete' && result.text === expected) complete++;
          else {
            failed++;
            firstFailure ??= result.error ?? { status: result.status, chars: result.text?.length };
          }
        }
      }),
    ),
  );
  const elapsedS = (performance.now() - started) / 1000;
  return {
    value: round(complete / elapsedS, 1),
    complete,
    failed,
    firstFailure,
    clients,
    seconds: round(elapsedS, 1),
    tokensPerReply: SEQUENTIAL.fixedTokens,
    serverCpuMsPerTurn: round(cpu.serverCpuMs / Math.max(1, complete), 2),
    // The bench client and the model server share the cores with Lumina.
    cpu,
  };
}

/** 200 streams started at once; each reply checked as streamed and as stored. */
async function concurrentStreams(server, client) {
  const { streams, fixedTokens } = CONCURRENT;
  const expected = expectedText(fixedTokens);
  const ids = await client.conversations(streams);
  const started = performance.now();
  const { value: results, cpu } = await withCpuUsage(server.pid, () =>
    Promise.allSettled(ids.map((id) => client.turn(id, 'concurrent'))),
  );
  const wallMs = performance.now() - started;
  const ok = (r) => r.status === 'fulfilled' && r.value.status === 'complete' && r.value.text === expected;
  const errors = results.filter((r) => !ok(r));
  const first = errors[0];
  let stored = 0;
  for (const id of ids) {
    const branch = await client.call('GET', `/api/conversations/${id}/messages`);
    const reply = branch.messages.at(-1);
    if (reply.role === 'assistant' && reply.status === 'complete' && reply.content === expected) stored++;
  }
  const firsts = results.filter(ok).map((r) => r.value.firstDeltaMs);
  return {
    streams,
    tokensPerReply: fixedTokens,
    tokenIntervalMs: CONCURRENT.intervalMs,
    errors: errors.length,
    firstError: first
      ? first.status === 'rejected'
        ? String(first.reason?.message ?? first.reason)
        : { status: first.value.status, chars: first.value.text.length }
      : null,
    storedComplete: stored,
    firstContentMs: firsts.length ? spread(firsts) : null,
    allDoneWallMs: Math.round(wallMs),
    serverCpuMs: cpu.serverCpuMs,
    cpu,
  };
}

/** The same 200 paced calls straight to the model server: what the client and model alone cost. */
async function concurrentDirect(model) {
  // A first round warms the model process and opens the connections; the second is measured.
  await Promise.all(Array.from({ length: CONCURRENT.streams }, () => modelTurn(model.origin)));
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: CONCURRENT.streams }, () => modelTurn(model.origin)),
  );
  return {
    firstContentMs: spread(results.map((r) => r.firstDeltaMs)),
    allDoneWallMs: Math.round(performance.now() - started),
  };
}

function targetsOf(kind, { sequential, throughput, concurrent }) {
  const cpuLimit = TARGETS.cpuPerTurnMs[kind];
  const targets = {};
  if (concurrent) {
    const p50 = concurrent.firstContentMs?.p50 ?? null;
    const p95 = concurrent.firstContentMs?.p95 ?? null;
    targets.concurrentErrors = { limit: 0, value: concurrent.errors, met: concurrent.errors === 0 };
    targets.concurrentStoredComplete = {
      limit: CONCURRENT.streams,
      value: concurrent.storedComplete,
      met: concurrent.storedComplete === CONCURRENT.streams,
    };
    targets.concurrentFirstContentP50Ms = {
      limit: TARGETS.concurrentFirstContentP50Ms,
      value: p50,
      met: p50 !== null && p50 <= TARGETS.concurrentFirstContentP50Ms,
    };
    targets.concurrentFirstContentP95Ms = {
      limit: TARGETS.concurrentFirstContentP95Ms,
      value: p95,
      met: p95 !== null && p95 <= TARGETS.concurrentFirstContentP95Ms,
    };
  }
  if (sequential) {
    targets.serverCpuMsPerSequentialTurn = {
      limit: cpuLimit,
      value: sequential.serverCpuMsPerTurn,
      met: sequential.serverCpuMsPerTurn <= cpuLimit,
    };
    targets.firstContentOverheadP50Ms = {
      limit: TARGETS.firstContentOverheadP50Ms,
      value: sequential.firstContentOverheadMs.p50,
      met: sequential.firstContentOverheadMs.p50 <= TARGETS.firstContentOverheadP50Ms,
    };
  }
  if (throughput) {
    targets.turnsPerSecond16Clients = {
      limit: TARGETS.turnsPerSecond16Clients,
      value: throughput.value,
      met: throughput.value >= TARGETS.turnsPerSecond16Clients && throughput.failed === 0,
    };
  }
  return targets;
}

async function runMode(kind, dataDir, extraEnv, model, options) {
  const label = `chat (${kind})`;
  // What `npm start` runs (the bundle), as bench/startup.mjs does; BENCH_CHAT_ENTRY=cli starts
  // `lumina start` (the per-file tsc output) instead.
  const cli = process.env.BENCH_CHAT_ENTRY === 'cli';
  const server = await startServer({
    dataDir,
    // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server alone.
    nodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
    bin: cli ? SERVER_BIN : BUNDLE_BIN,
    args: cli ? ['start'] : [],
    env: {
      LOG_LEVEL: 'warn',
      OPENAI_API_KEY: 'bench',
      OPENAI_BASE_URL: `${model.origin}/v1`,
      LUMINA_OLLAMA_AUTODETECT: 'false',
      LUMINA_API_LIMIT_PER_MINUTE: '1000000',
      ...extraEnv,
    },
  });
  try {
    const client = await session(server.url);
    await model.setMode(SEQUENTIAL);
    progress(`${label}: warm-up`);
    const warm = await client.conversation();
    for (let i = 0; i < 30; i++) await client.turn(warm);

    const phases = new Set(options.phases ?? ['sequential', 'throughput', 'concurrent']);
    const runs = options.quick ? 50 : 200;
    let sequential = null;
    if (phases.has('sequential')) {
      progress(`${label}: ${runs} sequential 50-token turns (fresh conversations)`);
      sequential = await sequentialTurns(server, client, model, runs);
    }

    const clients = 16;
    const seconds = options.quick ? 5 : 15;
    let throughput = null;
    if (phases.has('throughput')) {
      progress(`${label}: turns per second, ${clients} clients for ${seconds} s`);
      throughput = await turnsPerSecond(server, client, clients, seconds);
    }

    let concurrent = null;
    if (phases.has('concurrent')) {
      progress(
        `${label}: ${CONCURRENT.streams} concurrent streams, ${CONCURRENT.fixedTokens} tokens ${CONCURRENT.intervalMs} ms apart`,
      );
      await model.setMode(CONCURRENT);
      concurrent = await concurrentStreams(server, client).finally(() => model.setMode(SEQUENTIAL));
    }

    const results = { sequential, throughput, concurrent };
    return { ...results, targets: targetsOf(kind, results) };
  } finally {
    await server.stop();
  }
}

export async function benchChat(options = {}) {
  const model = await spawnOpenAiWireServer(SEQUENTIAL);
  try {
    progress(`chat: ${CONCURRENT.streams} concurrent paced calls straight to the model (baseline)`);
    await model.setMode(CONCURRENT);
    const direct = await concurrentDirect(model);
    await model.setMode(SEQUENTIAL);
    const wanted = new Set(options.modes ?? ['pglite', 'postgres']);
    const pglite = wanted.has('pglite') ? await runMode('pglite', tempDir(), {}, model, options) : null;
    const postgres = wanted.has('postgres')
      ? await inPostgresMode(options, (dir, env) => runMode('postgres', dir, env, model, options))
      : null;
    const modes = { ...(pglite ? { pglite } : {}), ...(postgres ? { postgres } : {}) };
    const allMet = Object.values(modes).every((mode) => Object.values(mode.targets).every((t) => t.met));
    return {
      description:
        'POST /api/conversations/:id/messages through the built server (SSE); the model is a local OpenAI-wire server in its own process. Sequential and 16-client turns: 50 tokens sent at once; concurrent: 200 streams of 100 tokens 20 ms apart. First content = request sent -> first text-delta at the client.',
      targetsMet: postgres ? allMet : `${allMet} (PGlite only: no --pg-url)`,
      concurrentDirectToModel: direct,
      ...modes,
    };
  } finally {
    model.stop();
  }
}

await runAsMain(import.meta.url, 'chat', benchChat);
