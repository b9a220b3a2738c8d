// Context assembly on long branches (prompt/assemble-context.ts from the built server): a
// 10,000-message branch with a 50-entry lorebook, js-tiktoken counting, at an 8k and a 128k
// window, with and without a running summary. Reports the first build (token counts not yet
// remembered) and p50/p95 of repeated builds. A sanity figure for the reply path, no target.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { progress, round, runAsMain } from './lib/common.mjs';
import { ROOT } from './lib/server.mjs';

const dist = (file) => pathToFileURL(path.join(ROOT, 'packages/server/dist', file)).href;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const created = new Date('2025-01-01T00:00:00Z');
const WORDS = [
  'lighthouse',
  'storm',
  'harbour',
  'lantern',
  'keeper',
  'ship',
  'rope',
  'gull',
  'tide',
  'cliff',
];

function branchOf(count, runId) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${runId}-${String(i).padStart(6, '0')}`,
    conversationId: 'bench',
    ownerId: 'bench',
    parentId: i === 0 ? null : `${runId}-${String(i - 1).padStart(6, '0')}`,
    role: i % 2 === 0 ? 'user' : 'assistant',
    // About 60 tokens, different for each message so counts are real work.
    content: `Message ${i} (${runId}): ${Array.from({ length: 50 }, (_, w) => WORDS[(i * 7 + w * 3) % WORDS.length]).join(' ')}.`,
    status: 'complete',
    error: null,
    model: null,
    finishReason: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    timeToFirstTokenMs: null,
    durationMs: null,
    writerId: null,
    summary: null,
    metadata: {},
    createdAt: created,
    updatedAt: created,
  }));
}

function avatar() {
  const entries = Array.from({ length: 50 }, (_, i) => ({
    comment: `entry ${i}`,
    keys: [
      { text: `${WORDS[i % WORDS.length]}${i}` },
      { text: i % 5 === 0 ? WORDS[i % WORDS.length] : `nothing${i}` },
    ],
    secondaryKeys: [],
    content: `Lore ${i}: the ${WORDS[i % WORDS.length]} remembers everything about the coast.`,
    enabled: true,
    constant: false,
    selective: false,
    selectiveLogic: 'and_any',
    useRegex: false,
    caseSensitive: null,
    matchWholeWords: null,
    insertionOrder: i,
    position: i % 10 === 0 ? 'at_depth' : 'before_char',
    depth: 2,
    scanDepth: null,
    probability: null,
    useProbability: false,
    group: '',
    excludeRecursion: false,
    preventRecursion: false,
    delayUntilRecursion: false,
    extensions: {},
    extra: {},
  }));
  return {
    id: 'bench-avatar',
    ownerId: 'bench',
    name: 'Aria',
    nickname: null,
    description: 'A lighthouse keeper on a stormy coast.',
    persona: 'Calm, observant, fond of long stories.',
    traits: ['calm', 'observant'],
    style: { formality: 30, verbosity: 70, warmth: 80, humor: 50, directness: 50, curiosity: 70, custom: [] },
    backstory: 'Has kept the light for forty years.',
    scenario: '{{user}} arrives during a storm.',
    greeting: '',
    alternateGreetings: [],
    exampleDialogue: '',
    tags: [],
    voice: { engine: null, voice: null, rate: 1, pitch: 1 },
    defaultModel: null,
    fallbackModels: [],
    memory: { enabled: true, scope: 'private' },
    visibility: 'private',
    lorebook: {
      scanDepth: 4,
      tokenBudget: 2000,
      recursiveScanning: true,
      extensions: {},
      extra: {},
      entries,
    },
    cardExtras: {},
    source: 'bench',
    imageId: null,
    lastUsedAt: null,
    createdAt: created,
    updatedAt: created,
  };
}

const model = (contextWindow) => ({
  id: 'ollama/llama3.2',
  provider: 'ollama',
  name: 'llama3.2',
  contextWindow,
  capabilities: { tools: false, vision: false, json: false, embeddings: false },
  local: true,
});

async function measure(assembleContext, label, { window, summaryAt, runs }) {
  progress(`context: ${label}`);
  const branch = branchOf(10_000, label.replace(/\W+/g, '-'));
  if (summaryAt !== undefined)
    branch[summaryAt].summary = 'Sam and Aria talked through a long storm. '.repeat(20);
  const input = {
    avatar: avatar(),
    user: { name: 'Samuel', preferredName: 'Sam' },
    branch,
    model: model(window),
    replyBudget: 1024,
    memories: ['Sam is afraid of storms.', 'Sam once sailed to Brest.'],
    now: created,
  };
  let started = performance.now();
  const first = await assembleContext(input);
  const firstMs = performance.now() - started;
  const times = [];
  for (let i = 0; i < runs; i++) {
    started = performance.now();
    await assembleContext(input);
    times.push(performance.now() - started);
  }
  return {
    window,
    keptMessages: first.parts.filter((p) => p.kind === 'message').length,
    droppedMessages: first.dropped.messageIds.length,
    summary: Boolean(first.summary),
    loreActivated: first.lore.activated,
    promptTokens: first.tokens.total,
    firstBuildMs: round(firstMs, 1),
    repeatedMs: { p50: round(percentile(times, 50), 2), p95: round(percentile(times, 95), 2), runs },
  };
}

export async function benchContext(options = {}) {
  const { assembleContext } = await import(dist('prompt/assemble-context.js'));
  const runs = options.quick ? 5 : 20;
  return {
    description:
      'assembleContext over a 10,000-message branch (≈60 tokens each), 50-entry lorebook, js-tiktoken counts, reply budget 1024',
    window8k: await measure(assembleContext, '8k window', { window: 8192, runs }),
    window128k: await measure(assembleContext, '128k window', { window: 128_000, runs }),
    window8kWithSummary: await measure(assembleContext, '8k window with summary', {
      window: 8192,
      summaryAt: 9_900,
      runs,
    }),
  };
}

await runAsMain(import.meta.url, 'context', benchContext);
