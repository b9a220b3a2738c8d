// Added latency of Lumina's model layer (AI SDK adapter + stream guard + fallback + usage
// accounting) over a local OpenAI-wire server, compared with reading the same SSE stream raw.
// Prints JSON. Targets: per-token overhead p50 < 0.2 ms, time-to-first-token overhead p50 < 5 ms,
// 200 concurrent streams without errors.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, isMain, machineInfo, printJson, progress } from './lib/common.mjs';
import { startOpenAiWireServer } from './lib/openai-wire-server.mjs';
import { ROOT } from './lib/server.mjs';

const dist = (file) => pathToFileURL(path.join(ROOT, 'packages/server/dist', file)).href;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const round = (v, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

/** Raw: fetch + read the SSE bytes until [DONE]; time to the first content chunk and to the end. */
async function rawStream(origin, tokens) {
  const started = performance.now();
  const res = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body: JSON.stringify({
      model: 'bench-model',
      stream: true,
      max_tokens: tokens,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
  let first = null;
  let text = '';
  const decoder = new TextDecoder();
  for await (const bytes of res.body) {
    text += decoder.decode(bytes, { stream: true });
    if (first === null && text.includes('" t0"')) first = performance.now();
  }
  return { ttft: first - started, total: performance.now() - started };
}

async function layerStream(streamWithFallback, breaker, model, tokens) {
  const started = performance.now();
  let first = null;
  let deltas = 0;
  for await (const part of streamWithFallback(
    [model],
    { messages: [{ role: 'user', content: 'hi' }], maxOutputTokens: tokens },
    { breaker },
  )) {
    if (part.type === 'text-delta') {
      deltas++;
      if (first === null) first = performance.now();
    }
    if (part.type === 'error') throw new Error(`${part.code}: ${part.message}`);
  }
  if (deltas !== tokens) throw new Error(`expected ${tokens} deltas, got ${deltas}`);
  return { ttft: first - started, total: performance.now() - started };
}

export async function benchProviders(options = {}) {
  const runs = options.quick ? 30 : 200;
  const longTokens = options.quick ? 500 : 2000;
  const server = await startOpenAiWireServer();
  const origin = `http://127.0.0.1:${server.address().port}`;
  const { createCloudProvider } = await import(dist('providers/adapters/cloud-providers.js'));
  const { streamWithFallback } = await import(dist('providers/fallback.js'));
  const { createCircuitBreaker } = await import(dist('providers/circuit-breaker.js'));
  const provider = createCloudProvider({
    id: 'bench',
    kind: 'openai-compatible',
    baseUrl: `${origin}/v1`,
    apiKey: 'k',
  });
  const model = provider.chatModel('bench-model');
  const breaker = createCircuitBreaker();

  try {
    progress('providers: warm-up');
    for (let i = 0; i < 30; i++) {
      await rawStream(origin, 20);
      await layerStream(streamWithFallback, breaker, model, 20);
    }
    progress(`providers: time to first token, ${runs} alternating runs of 20 tokens`);
    const rawTtft = [];
    const layerTtft = [];
    for (let i = 0; i < runs; i++) {
      rawTtft.push((await rawStream(origin, 20)).ttft);
      layerTtft.push((await layerStream(streamWithFallback, breaker, model, 20)).ttft);
    }
    progress(`providers: per-token cost, ${longTokens}-token streams`);
    const perToken = [];
    for (let i = 0; i < (options.quick ? 5 : 15); i++) {
      const raw = await rawStream(origin, longTokens);
      const layer = await layerStream(streamWithFallback, breaker, model, longTokens);
      perToken.push((layer.total - raw.total) / longTokens);
    }
    progress('providers: 200 concurrent streams of 50 tokens');
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => layerStream(streamWithFallback, breaker, model, 50)),
    );
    const errors = results.filter((r) => r.status === 'rejected');
    const concurrentMs = performance.now() - started;

    const ttftOverheadP50 = percentile(layerTtft, 50) - percentile(rawTtft, 50);
    const perTokenP50 = percentile(perToken, 50);
    return {
      description:
        'openai-compatible adapter (AI SDK) + guardStream + streamWithFallback, in-process, against a local OpenAI SSE server; raw = fetch + reading the same bytes',
      timeToFirstTokenMs: {
        rawP50: round(percentile(rawTtft, 50)),
        layerP50: round(percentile(layerTtft, 50)),
        overheadP50: round(ttftOverheadP50),
        rawP90: round(percentile(rawTtft, 90)),
        layerP90: round(percentile(layerTtft, 90)),
      },
      perTokenOverheadMs: {
        p50: round(perTokenP50, 4),
        min: round(Math.min(...perToken), 4),
        max: round(Math.max(...perToken), 4),
        tokensPerStream: longTokens,
      },
      concurrent: {
        streams: 200,
        tokensEach: 50,
        errors: errors.length,
        firstError: errors[0]?.reason?.message ?? null,
        wallMs: Math.round(concurrentMs),
      },
      targets: {
        perTokenOverheadP50Ms: { limit: 0.2, value: round(perTokenP50, 4), met: perTokenP50 < 0.2 },
        ttftOverheadP50Ms: { limit: 5, value: round(ttftOverheadP50), met: ttftOverheadP50 < 5 },
        concurrentStreamsWithoutErrors: { limit: 200, value: 200 - errors.length, met: errors.length === 0 },
      },
    };
  } finally {
    server.close();
  }
}

if (isMain(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  ensureBuilt();
  printJson({
    date: new Date().toISOString(),
    machine: machineInfo(),
    providers: await benchProviders({ quick }),
  });
}
