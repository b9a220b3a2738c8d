// Compare (issue 15 point 1) end to end through a running Lumina (`npm start`'s server): one
// message answered by 4 models at once, each model a local OpenAI-wire server in its own process
// added as a provider of its own. Measures the target of issue 15:
// - Compare with 4 models: first content of every column within 20 ms of that model's own first
//   token (p50). A column's first content is the time from the compare request to its first
//   text-delta on the compare's one SSE response; the model's own first token is the time to its
//   first token when called straight, right after (as bench/chat.mjs measures a send's overhead).
// Also reported: the same overhead for a plain send to one of the models (what a compare adds),
// per column (the first column is stored with the question; the others start once it is), and
// whether every column was streamed and stored complete.
// Options: --quick (fewer compares), --pg-url <admin url> (PostgreSQL mode too), --modes
// pglite,postgres; BENCH_MEMORY=off turns the bench user's memory off.
import { inPostgresMode, progress, runAsMain, signedInCaller } from './lib/common.mjs';
import { withCpuUsage } from './lib/load.mjs';
import { spawnOpenAiWireServer } from './lib/openai-wire-server.mjs';
import { BUNDLE_BIN, round, startServer, tempDir } from './lib/server.mjs';

const MODELS = 4;
/** Paced like a model generating, so the four streams overlap as they would for a person. */
const MODE = { fixedTokens: 50, intervalMs: 20 };
const TARGETS = { columnFirstContentOverheadP50Ms: 20 };

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
};
const spread = (values) =>
  values.length === 0
    ? null
    : {
        p50: round(percentile(values, 50), 1),
        p95: round(percentile(values, 95), 1),
        max: round(Math.max(...values), 1),
      };
const expectedText = (tokens) => Array.from({ length: tokens }, (_, i) => ` t${i}`).join('');

/** Splits an SSE body as it arrives into `{event, data}` and hands each to `onEvent`. */
async function readEvents(response, onEvent) {
  let buffer = '';
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
      if (event && data) onEvent(event, JSON.parse(data));
    }
  }
}

/** A model's own time to first token: a streaming request straight to its server. */
async function modelFirstToken(origin) {
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
  return first;
}

/** Signs up the bench user, adds each model server as a provider; compare and send helpers. */
async function session(url, servers) {
  const { call, headers: all } = await signedInCaller(url);
  const models = [];
  for (const [index, server] of servers.entries()) {
    const { provider } = await call('POST', '/api/providers', {
      kind: 'openai',
      name: `Bench ${index + 1}`,
      baseUrl: `${server.origin}/v1`,
      apiKey: 'sk-bench-0123456789abcdef',
    });
    models.push(`${provider.id}/bench-model`);
  }
  await call('PUT', '/api/settings', { defaultModel: models[0] });
  if (process.env.BENCH_MEMORY === 'off') await call('PATCH', '/api/settings/memory', { enabled: false });
  const avatarId = (await call('GET', '/api/avatars')).avatars[0].id;
  const conversation = async () =>
    (await call('POST', '/api/conversations', { avatarId, title: 'bench' })).conversation.id;

  /** One compare: per reply, the time to its first text-delta, its text and its final status. */
  const compare = async (conversationId) => {
    const started = performance.now();
    const res = await fetch(`${url}/api/conversations/${conversationId}/compare`, {
      method: 'POST',
      headers: all,
      body: JSON.stringify({ content: 'Compare this', models }),
    });
    if (res.status !== 200) throw new Error(`compare: ${res.status} ${await res.text()}`);
    const order = res.headers.get('x-lumina-reply-ids').split(',');
    const columns = new Map(order.map((id) => [id, { firstMs: null, text: '', status: null }]));
    await readEvents(res, (_event, { messageId, part }) => {
      const column = columns.get(messageId);
      if (!column) return;
      if (part.type === 'text-delta') {
        column.firstMs ??= performance.now() - started;
        column.text += part.delta;
      }
      if (part.type === 'finish') column.status = part.status;
    });
    return { columns: order.map((id) => ({ id, ...columns.get(id) })), totalMs: performance.now() - started };
  };

  /** One plain send to the first model: the time to its first text-delta. */
  const send = async (conversationId) => {
    const started = performance.now();
    const res = await fetch(`${url}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: all,
      body: JSON.stringify({ content: 'Send this' }),
    });
    if (res.status !== 200) throw new Error(`send: ${res.status} ${await res.text()}`);
    let first = null;
    await readEvents(res, (event) => {
      if (event === 'text-delta') first ??= performance.now() - started;
    });
    return first;
  };
  return { call, conversation, compare, send, models };
}

async function runMode(kind, dataDir, extraEnv, servers, options) {
  const label = `compare (${kind})`;
  const server = await startServer({
    dataDir,
    bin: BUNDLE_BIN,
    env: {
      LOG_LEVEL: 'warn',
      LUMINA_OLLAMA_AUTODETECT: 'false',
      LUMINA_API_LIMIT_PER_MINUTE: '1000000',
      // The model servers listen on loopback, which a user's provider may not reach otherwise.
      LUMINA_OUTBOUND_ALLOW: '127.0.0.1',
      ...extraEnv,
    },
  });
  try {
    const client = await session(server.url, servers);
    progress(`${label}: warm-up`);
    const warm = await client.conversation();
    for (let i = 0; i < (options.quick ? 3 : 10); i++) await client.compare(warm);

    const runs = options.quick ? 10 : 50;
    progress(
      `${label}: ${runs} compares with ${MODELS} models (${MODE.fixedTokens} tokens ${MODE.intervalMs} ms apart)`,
    );
    const expected = expectedText(MODE.fixedTokens);
    const overhead = [];
    const byColumn = Array.from({ length: MODELS }, () => []);
    const own = [];
    let complete = 0;
    let columnsSeen = 0;
    const { cpu } = await withCpuUsage(server.pid, async () => {
      for (let run = 0; run < runs; run++) {
        const id = await client.conversation();
        const result = await client.compare(id);
        // Each model's own first token, straight to its server, right after.
        const owns = [];
        for (const model of servers) owns.push(await modelFirstToken(model.origin));
        result.columns.forEach((column, index) => {
          columnsSeen++;
          if (column.status === 'complete' && column.text === expected) complete++;
          if (column.firstMs === null || owns[index] === null) return;
          const extra = column.firstMs - owns[index];
          overhead.push(extra);
          byColumn[index].push(extra);
          own.push(owns[index]);
        });
      }
    });

    // What a compare adds over a plain send to one model, measured the same way.
    progress(`${label}: ${runs} plain sends to one model (for comparison)`);
    const sendOverhead = [];
    for (let run = 0; run < runs; run++) {
      const id = await client.conversation();
      const first = await client.send(id);
      const ownFirst = await modelFirstToken(servers[0].origin);
      if (first !== null && ownFirst !== null) sendOverhead.push(first - ownFirst);
    }

    // Every column stored complete, as streamed.
    const stored = await client.call('GET', `/api/conversations/${warm}/messages?view=tree`);
    const storedReplies = stored.messages.filter((m) => m.role === 'assistant' && m.metadata?.compare);
    const columnOverhead = spread(overhead);
    return {
      runs,
      models: MODELS,
      columns: columnsSeen,
      columnsComplete: complete,
      warmUpRepliesStoredComplete: storedReplies.filter(
        (m) => m.status === 'complete' && m.content === expected,
      ).length,
      columnFirstContentOverheadMs: columnOverhead,
      columnFirstContentOverheadByColumnMs: byColumn.map(spread),
      modelOwnFirstTokenMs: spread(own),
      sendFirstContentOverheadMs: spread(sendOverhead),
      serverCpuMsPerCompare: round(cpu.serverCpuMs / runs, 2),
      cpu,
      targets: {
        columnFirstContentOverheadP50Ms: {
          limit: TARGETS.columnFirstContentOverheadP50Ms,
          value: columnOverhead?.p50 ?? null,
          met:
            columnOverhead !== null &&
            columnOverhead.p50 <= TARGETS.columnFirstContentOverheadP50Ms &&
            complete === columnsSeen,
        },
      },
    };
  } finally {
    await server.stop();
  }
}

export async function benchCompare(options = {}) {
  const servers = await Promise.all(Array.from({ length: MODELS }, () => spawnOpenAiWireServer(MODE)));
  try {
    const wanted = new Set(options.modes ?? ['pglite', 'postgres']);
    const pglite = wanted.has('pglite') ? await runMode('pglite', tempDir(), {}, servers, options) : null;
    const postgres = wanted.has('postgres')
      ? await inPostgresMode(options, (dir, env) => runMode('postgres', dir, env, servers, options))
      : null;
    const modes = { ...(pglite ? { pglite } : {}), ...(postgres ? { postgres } : {}) };
    const allMet = Object.values(modes).every((mode) => Object.values(mode.targets).every((t) => t.met));
    return {
      description: `POST /api/conversations/:id/compare with ${MODELS} models through the built server (one SSE of ConversationEvents); each model a local OpenAI-wire server in its own process (${MODE.fixedTokens} tokens ${MODE.intervalMs} ms apart), added as its own provider. Column overhead = request sent -> that column's first text-delta at the client, minus the model's own first-token time (a direct call right after).`,
      targetsMet: postgres ? allMet : `${allMet} (PGlite only: no --pg-url)`,
      ...modes,
    };
  } finally {
    for (const server of servers) server.stop();
  }
}

await runAsMain(import.meta.url, 'compare', benchCompare);
