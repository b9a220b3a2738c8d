import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { NEUTRAL_STYLE } from '../domain/avatar.js';
import { DEFAULT_USER_MEMORY_SETTINGS, type UserMemorySettings } from '../domain/memory.js';
import { newId } from '../ids.js';
import { createMemoryEmbedRun } from '../jobs/memory-embed-job.js';
import { createOllamaProvider } from '../providers/adapters/ollama-provider.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createEmbeddingRepository } from '../repositories/embedding.repository.js';
import { createMemoryRepository } from '../repositories/memory.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { TEST_TIMEOUTS } from '../test-support/chat-model-conformance.js';
import { fixturePath } from '../test-support/fixtures.js';
import {
  HASHED_EMBEDDING_DIMENSIONS,
  hashedEmbedding,
} from '../test-support/protocol-servers/hashed-embedding.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createEmbedder } from './embedder.js';
import { createMemoryRecall } from './recall.js';
import {
  EVAL_QUESTION_TYPES,
  type EvalOutcome,
  type EvalSession,
  type EvalStory,
  type EvalSummary,
  loadEvalSet,
  parseEvalStory,
  recallAtK,
  reciprocalRank,
  summarizeOutcomes,
} from './recall-eval.js';

/**
 * The recall evaluation (issue 13 point 10): the project's test set (fixtures/memory-eval) loaded
 * into a real database, embedded through the real embedding path (embedder + memory-embed job)
 * with the deterministic hashed embedding served by the Ollama protocol server, and every
 * question run through the real recall in three modes. Prints recall@5, recall@10 and MRR per
 * mode and question type (docs/memory.md "Evaluation" has the figures); the floors below fail the
 * run when hybrid recall regresses, and a superseded memory recalled even once fails it too.
 */

const set = loadEvalSet(fixturePath('memory-eval'));
const MODES = ['text', 'vector', 'hybrid'] as const;
type RecallMode = (typeof MODES)[number];
const EMBEDDING_MODEL = 'ollama/all-minilm:latest';

/**
 * What hybrid recall must reach on this set, a little under what it measured (docs/memory.md):
 * a change that makes recall worse on the set fails here.
 */
const HYBRID_FLOORS = { recallAt5: 0.83, recallAt10: 0.91, mrr: 0.61 };

describe('memory recall evaluation set (fixtures/memory-eval)', () => {
  it('holds at least 24 multi-session stories with every question type, paraphrases and updated facts', () => {
    expect(set.stories.length).toBeGreaterThanOrEqual(24);
    for (const story of set.stories) {
      expect(story.sessions.length, story.id).toBeGreaterThanOrEqual(2);
      expect(story.questions.length, story.id).toBeGreaterThanOrEqual(3);
    }
    const questions = set.stories.flatMap((s) => s.questions);
    for (const type of EVAL_QUESTION_TYPES) {
      expect(questions.filter((q) => q.type === type).length, type).toBeGreaterThanOrEqual(5);
    }
    expect(questions.filter((q) => q.paraphrase).length).toBeGreaterThanOrEqual(8);
    expect(
      set.stories.flatMap((s) => s.memories).filter((m) => m.supersededBy).length,
    ).toBeGreaterThanOrEqual(12);
    expect(set.distractors.sessions.flatMap((s) => s.turns).length).toBeGreaterThanOrEqual(20);
  });

  it('scores recall@k per piece of evidence and the reciprocal rank of the first evidence', () => {
    const evidence = [
      { turns: ['s1t1'], memories: ['m1'] },
      { turns: ['s2t3'], memories: [] },
    ];
    // The memory stands for its turn: one piece found at rank 2, the other at rank 7.
    const ranked = ['d1t1', 'm1', 'x', 'x', 'x', 'x', 's2t3'];
    expect(recallAtK(ranked, evidence, 1)).toBe(0);
    expect(recallAtK(ranked, evidence, 5)).toBe(0.5);
    expect(recallAtK(ranked, evidence, 10)).toBe(1);
    expect(reciprocalRank(ranked, evidence)).toBe(0.5);
    expect(reciprocalRank(['d1t1'], evidence)).toBe(0);
    const outcome = (type: EvalOutcome['type'], ranked: string[], paraphrase = false): EvalOutcome => ({
      story: 's',
      question: 'q',
      type,
      paraphrase,
      ranked,
      evidence,
    });
    const summary = summarizeOutcomes([
      outcome('multi-hop', ranked),
      outcome('single-hop', ['s2t3', 's1t1'], true),
      outcome('single-hop', []),
    ]);
    expect(summary).toMatchObject({ questions: 3, recallAt5: 0.5, recallAt10: 0.667, mrr: 0.5 });
    expect(summary.byType['single-hop']).toEqual({ questions: 2, recallAt5: 0.5, recallAt10: 0.5, mrr: 0.5 });
    expect(summary.paraphrase).toEqual({ questions: 1, recallAt5: 1, recallAt10: 1, mrr: 1 });
  });

  it('rejects a story whose ids do not hold together', () => {
    const story = structuredClone(set.stories[0]!);
    const broken = (change: (s: EvalStory) => void) => {
      const copy = structuredClone(story);
      change(copy);
      return () => parseEvalStory(copy, 'broken.json');
    };
    expect(() => parseEvalStory(story)).not.toThrow();
    expect(broken((s) => s.questions[0]!.evidence[0]!.turns.push('s9t9'))).toThrow(/unknown turn s9t9/);
    expect(broken((s) => (s.questions[0]!.evidence = [{ turns: [], memories: ['m1'] }]))).toThrow(
      /superseded memory m1/,
    );
    expect(broken((s) => (s.sessions[1]!.date = s.sessions[0]!.date))).toThrow(/at least a day after/);
    expect(broken((s) => (s.questions[0]!.askedAt = s.sessions[0]!.date))).toThrow(
      /asked before the last session/,
    );
    expect(broken((s) => (s.memories[0]!.supersededBy = 'm99'))).toThrow(/superseded by unknown m99/);
    expect(broken((s) => (s.questions[0]!.superseded = []))).toThrow(/names the superseded memory/);
    expect(broken((s) => ((s.questions[0] as { type: string }).type = 'guess'))).toThrow(/broken\.json/);
  });
});

/** Fixture ids of the rows a story was stored as: database id → "s2t3" / "m4" / "d1t2". */
interface SeededStory {
  story: EvalStory;
  userId: string;
  avatarId: string;
  keys: Map<string, string>;
  /** Database ids of the story's superseded memories. */
  superseded: Set<string>;
}

async function seedStory(db: Database, story: EvalStory, distractors: EvalSession[]): Promise<SeededStory> {
  const user = await createUserRepository(db).create({
    email: `${story.id}@eval.example.org`,
    passwordHash: 'x',
    name: story.persona.name,
  });
  const avatar = await createAvatarRepository(db).create({
    ownerId: user.id,
    name: 'Companion',
    style: NEUTRAL_STYLE,
    voice: { engine: null, voice: null, rate: 1, pitch: 1 },
    memory: { enabled: true, scope: 'private' },
  });
  const conversations = createConversationRepository(db);
  const messages = createMessageRepository(db);
  const keys = new Map<string, string>();
  const turnIds = new Map<string, { id: string; conversationId: string; at: Date }>();
  // One conversation per session, the distractors' first; each turn a minute after the last.
  for (const session of [...distractors, ...story.sessions]) {
    const conversation = await conversations.create({ ownerId: user.id, avatarId: avatar.id });
    const start = Date.parse(session.date);
    let parentId: string | null = null;
    const rows = session.turns.map((turn, i) => {
      const id = newId();
      const at = new Date(start + i * 60_000);
      keys.set(id, turn.id);
      turnIds.set(turn.id, { id, conversationId: conversation.id, at });
      const row = {
        id,
        conversationId: conversation.id,
        ownerId: user.id,
        parentId,
        role: turn.role,
        content: turn.content,
        status: 'complete' as const,
        createdAt: at,
        updatedAt: at,
      };
      parentId = id;
      return row;
    });
    await messages.append(conversation.id, rows);
  }

  // Memories as extraction leaves them: each valid from its source turn; a replaced one kept as
  // history by `supersede` (valid_to set, superseded_by the newer row).
  const memoryRepo = createMemoryRepository(db);
  const replacing = new Map(story.memories.filter((m) => m.supersededBy).map((m) => [m.supersededBy!, m.id]));
  const stored = new Map<string, string>();
  const newMemory = (m: EvalStory['memories'][number]) => {
    const sources = m.sourceTurns.map((t) => turnIds.get(t)!);
    return {
      ownerId: user.id,
      avatarId: avatar.id,
      kind: m.kind,
      content: m.content,
      importance: m.importance,
      confidence: 0.9,
      origin: 'extracted' as const,
      sourceMessageIds: sources.map((s) => s.id),
      sourceConversationId: sources[0]!.conversationId,
      pinned: m.pinned ?? false,
      validFrom: sources.at(-1)!.at,
    };
  };
  for (const m of story.memories.filter((m) => !replacing.has(m.id))) {
    stored.set(m.id, (await memoryRepo.insert(newMemory(m))).id);
  }
  for (const m of story.memories.filter((m) => replacing.has(m.id))) {
    const next = await memoryRepo.supersede(user.id, stored.get(replacing.get(m.id)!)!, newMemory(m));
    if (!next) throw new Error(`${story.id}: could not supersede with ${m.id}`);
    stored.set(m.id, next.id);
  }
  for (const [fixtureId, id] of stored) keys.set(id, fixtureId);
  const superseded = new Set(story.memories.filter((m) => m.supersededBy).map((m) => stored.get(m.id)!));
  return { story, userId: user.id, avatarId: avatar.id, keys, superseded };
}

describeStorage('memory recall evaluation on %s', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  const seeded: SeededStory[] = [];
  const settings: UserMemorySettings = { ...DEFAULT_USER_MEMORY_SETTINGS, embeddingModel: EMBEDDING_MODEL };
  const settingsFor = async () => settings;
  const log = { info() {}, warn() {} };
  let embedder: ReturnType<typeof createEmbedder>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    ollama = await new OllamaServer({
      embeddingFunction: hashedEmbedding,
      embeddingDimensions: HASHED_EMBEDDING_DIMENSIONS,
    }).listen();
    const provider = createOllamaProvider({ baseUrl: ollama.origin, timeouts: TEST_TIMEOUTS });
    embedder = createEmbedder({
      registry: {
        embeddingModel: async (_userId, modelId) => provider.embeddingModel(modelId.slice('ollama/'.length)),
      },
      settingsFor,
      log,
    });
    const embed = createMemoryEmbedRun({ db: storage.db, embedder, settingsFor, log });
    for (const story of set.stories) {
      const stored = await seedStory(storage.db, story, set.distractors.sessions);
      // The background job, run until nothing of the user is left without a vector; `full`, as
      // after an import: the conversations are months old, past a routine run's recent window.
      while ((await embed(stored.userId, { full: true })).continued) {}
      seeded.push(stored);
    }
  }, 300_000);

  afterAll(async () => {
    await ollama?.close();
    await storage?.close();
  });

  it('embedded every user message and every current memory before recall', async () => {
    const embeddings = createEmbeddingRepository(storage.db);
    for (const { story, userId } of seeded) {
      const counts = await embeddings.counts(userId, EMBEDDING_MODEL);
      const turns = [...set.distractors.sessions, ...story.sessions]
        .flatMap((s) => s.turns)
        .filter((turn) => turn.role === 'user').length;
      const current = story.memories.filter((m) => !m.supersededBy).length;
      expect(counts.messages, story.id).toEqual({ total: turns, embedded: turns });
      expect(counts.memories, story.id).toEqual({ total: current, embedded: current });
    }
  });

  it('recalls the evidence of the questions; hybrid meets its floors; superseded facts never come back', async () => {
    const recall = createMemoryRecall({
      db: storage.db,
      // The embedder's answer in the shape the search takes (the same vector, the same model id).
      embedQuery: async (userId, text) => {
        const query = await embedder.embedQuery(userId, text);
        return query ? { model: query.model, values: query.vector } : null;
      },
      settingsFor,
    });
    const outcomes: Record<RecallMode, EvalOutcome[]> = { text: [], vector: [], hybrid: [] };
    const supersededRecalled: string[] = [];
    for (const { story, userId, avatarId, keys, superseded } of seeded) {
      for (const question of story.questions) {
        for (const recallMode of MODES) {
          const items = await recall.recall(userId, {
            avatarId,
            query: question.question,
            k: 10,
            mode: recallMode,
          });
          for (const item of items) {
            if (superseded.has(item.id))
              supersededRecalled.push(`${story.id} ${question.id} ${recallMode}: ${keys.get(item.id)}`);
          }
          outcomes[recallMode].push({
            story: story.id,
            question: question.id,
            type: question.type,
            paraphrase: question.paraphrase ?? false,
            ranked: items.flatMap((item) => {
              const key = keys.get(item.id);
              return key ? [key] : [];
            }),
            evidence: question.evidence,
          });
        }
      }
    }
    const summary = Object.fromEntries(MODES.map((m) => [m, summarizeOutcomes(outcomes[m])])) as Record<
      RecallMode,
      EvalSummary
    >;
    const misses = outcomes.hybrid
      .filter((o) => recallAtK(o.ranked, o.evidence, 10) < 1)
      .map((o) => `${o.story} ${o.question}`);
    // The figures are the measurement (docs/memory.md "Evaluation"): printed on every run.
    process.stdout.write(
      `memory recall evaluation (${mode}):\n${JSON.stringify({ storage: mode, ...summary, hybridMissesAt10: misses }, null, 2)}\n`,
    );

    expect(supersededRecalled).toEqual([]);
    expect(summary.hybrid.recallAt5).toBeGreaterThanOrEqual(HYBRID_FLOORS.recallAt5);
    expect(summary.hybrid.recallAt10).toBeGreaterThanOrEqual(HYBRID_FLOORS.recallAt10);
    expect(summary.hybrid.mrr).toBeGreaterThanOrEqual(HYBRID_FLOORS.mrr);
  }, 300_000);
});
