import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEUTRAL_STYLE } from '../domain/avatar.js';
import type { MemoryCandidate } from '../domain/memory.js';
import { createOllamaProvider } from '../providers/adapters/ollama-provider.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createMemoryRepository, type MemoryRepository } from '../repositories/memory.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import type { ObjectModels } from './extract-memories.js';
import {
  applyDecisions,
  type CandidateWithSimilar,
  type DecisionContext,
  decideMemories,
  isNearDuplicate,
  type OfferedMemory,
} from './memory-decisions.js';

const candidate = (content: string, extra: Partial<MemoryCandidate> = {}): MemoryCandidate => ({
  kind: 'fact',
  content,
  importance: 0.6,
  confidence: 0.9,
  ...extra,
});
const offered = (id: string, content: string, extra: Partial<OfferedMemory> = {}): OfferedMemory => ({
  id,
  content,
  kind: 'fact',
  pinned: false,
  validFrom: new Date('2026-01-01T00:00:00Z'),
  ...extra,
});
const ID_A = '0193a000-0000-7000-8000-00000000000a';
const ID_B = '0193a000-0000-7000-8000-00000000000b';

describe('isNearDuplicate', () => {
  it('ignores case, punctuation, plurals and word order, never a negation', () => {
    expect(isNearDuplicate('The user has two cats.', 'the user has two cats')).toBe(true);
    expect(isNearDuplicate('The user likes jazz and blues.', 'The user likes blues and jazz')).toBe(true);
    expect(isNearDuplicate('The user likes tea.', 'The user no longer likes tea.')).toBe(false);
    expect(isNearDuplicate('The user lives in Berlin.', 'The user lives in Paris.')).toBe(false);
  });
});

/** Structured output through the real Ollama adapter, against the Ollama protocol server. */
describe('decideMemories', () => {
  let ollama: OllamaServer;
  let models: ObjectModels;
  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    const chat = createOllamaProvider({ baseUrl: ollama.origin }).chatModel('llama3.2');
    models = {
      generateObject: async <T>(_userId: string, input: Parameters<ObjectModels['generateObject']>[1]) => ({
        object: (await chat.generateObject<T>({ messages: input.messages, schema: input.schema })).object,
        modelId: chat.info.id,
      }),
    } as ObjectModels;
  });
  afterAll(() => ollama?.close());

  const answer = (decisions: unknown[]) =>
    ollama.script({ kind: 'text', tokens: [JSON.stringify({ decisions })] });
  const calls = () => ollama.requests.filter((r) => r.path === '/api/chat').length;

  it('adds what has nothing similar and skips plain duplicates without asking the model', async () => {
    const before = calls();
    const outcome = await decideMemories(models, {
      userId: 'u',
      model: undefined,
      items: [
        { candidate: candidate('The user has a boat.'), similar: [] },
        { candidate: candidate('the user has two cats'), similar: [offered(ID_A, 'The user has two cats.')] },
      ],
    });
    expect(calls()).toBe(before);
    expect(outcome.asked).toBe(false);
    expect(outcome.decisions).toEqual([
      { op: 'add', candidate: candidate('The user has a boat.') },
      { op: 'noop', targetId: ID_A, reason: 'duplicate' },
    ]);
  });

  it('asks once for the rest, and holds the answer to the ids it offered', async () => {
    const items: CandidateWithSimilar[] = [
      {
        candidate: candidate('The user lives in Paris.'),
        similar: [offered(ID_A, 'The user lives in Berlin.')],
      },
      { candidate: candidate('The user plays chess.'), similar: [offered(ID_B, 'The user plays go.')] },
      {
        candidate: candidate('The user no longer owns a car.'),
        similar: [offered(ID_B, 'The user owns a car.')],
      },
      {
        candidate: candidate('The user enjoys cooking.'),
        similar: [offered(ID_A, 'The user likes to cook.')],
      },
      { candidate: candidate('The user is vegetarian.'), similar: [offered(ID_A, 'The user eats fish.')] },
      { candidate: candidate('The user reads poetry.'), similar: [offered(ID_A, 'The user reads novels.')] },
    ];
    answer([
      { candidate: 0, op: 'update', targetId: ID_A },
      // An id it was not shown for this candidate: added instead of superseding a stranger.
      { candidate: 1, op: 'update', targetId: ID_A },
      { candidate: 2, op: 'invalidate', targetId: ID_B },
      { candidate: 3, op: 'noop', targetId: ID_A },
      { candidate: 4, op: 'invalidate', targetId: 'not-an-offered-id' },
      // Candidate 5 left out: added.
    ]);
    const before = calls();
    const outcome = await decideMemories(models, { userId: 'u', model: undefined, items });
    expect(calls()).toBe(before + 1);
    const request = ollama.lastRequest('/api/chat').body;
    expect(request.format.properties.decisions).toBeDefined();
    expect(request.messages[1].content).toContain(`id ${ID_A}`);
    expect(outcome.decisions.map((d) => d.op)).toEqual([
      'update',
      'add',
      'invalidate',
      'noop',
      'noop',
      'add',
    ]);
    expect(outcome.decisions[0]).toMatchObject({ targetId: ID_A });
    expect(outcome.decisions[2]).toMatchObject({ targetId: ID_B });
    expect(outcome.fallback).toBeNull();
  });

  it('an answer that breaks the schema adds the candidates and says why', async () => {
    ollama.script({ kind: 'text', tokens: ['{"decisions": [{"candidate": "first", "op": "merge"}]}'] });
    const outcome = await decideMemories(models, {
      userId: 'u',
      model: undefined,
      items: [
        {
          candidate: candidate('The user lives in Paris.'),
          similar: [offered(ID_A, 'The user lives in Berlin.')],
        },
      ],
    });
    expect(outcome.decisions.map((d) => d.op)).toEqual(['add']);
    expect(outcome.fallback).toMatch(/^model_bad_output/);
  });

  it('a model that fails for a passing reason throws (the job retries)', async () => {
    ollama.script({ kind: 'http-error', status: 500 });
    await expect(
      decideMemories(models, {
        userId: 'u',
        model: undefined,
        items: [
          {
            candidate: candidate('The user lives in Paris.'),
            similar: [offered(ID_A, 'The user lives in Berlin.')],
          },
        ],
      }),
    ).rejects.toMatchObject({ code: expect.any(String) });
  });
});

describeStorage('applyDecisions on %s', (mode) => {
  let storage: TestStorage;
  let repo: MemoryRepository;
  let owner: string;
  let avatar: string;
  let context: DecisionContext;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    repo = createMemoryRepository(storage.db);
    owner = (
      await createUserRepository(storage.db).create({ email: 'd@example.org', passwordHash: 'h', name: 'D' })
    ).id;
    avatar = (
      await createAvatarRepository(storage.db).create({
        ownerId: owner,
        name: 'Nova',
        style: NEUTRAL_STYLE,
        voice: { engine: null, voice: null, rate: 1, pitch: 1 },
        memory: { enabled: true, scope: 'private' },
      })
    ).id;
    context = {
      ownerId: owner,
      avatarId: avatar,
      origin: 'extracted',
      sourceMessageIds: [],
      sourceConversationId: null,
      validFrom: new Date(Date.now() - 60_000),
    };
  });
  afterAll(() => storage?.close());

  it('adds, supersedes (keeping history), invalidates and pins the profile', async () => {
    const berlin = await repo.insert({
      ...context,
      ...candidate('The user lives in Berlin.'),
      pinned: false,
    });
    const car = await repo.insert({ ...context, ...candidate('The user owns a car.'), pinned: false });
    const name = await repo.insert({
      ...context,
      ...candidate('The user goes by Sam.', { kind: 'profile' }),
      pinned: true,
    });
    const applied = await applyDecisions(
      repo,
      context,
      [
        { op: 'add', candidate: candidate("The user's sister is called Ana.", { kind: 'profile' }) },
        { op: 'update', targetId: berlin.id, candidate: candidate('The user lives in Paris.') },
        { op: 'invalidate', targetId: car.id, reason: 'sold it' },
        {
          op: 'update',
          targetId: name.id,
          candidate: candidate('The user prefers to be called Samuel.', { kind: 'preference' }),
        },
        { op: 'noop', targetId: null, reason: 'known' },
      ],
      new Map([[name.id, { pinned: true }]]),
    );
    expect(applied.added.map((m) => [m.content, m.pinned, m.avatarId])).toEqual([
      ["The user's sister is called Ana.", true, avatar],
    ]);
    expect(applied.updated.map((m) => [m.content, m.pinned])).toEqual([
      ['The user lives in Paris.', false],
      // A new version of a pinned memory stays pinned.
      ['The user prefers to be called Samuel.', true],
    ]);
    expect(applied.invalidated.map((m) => m.id)).toEqual([car.id]);
    expect(applied.noop).toBe(1);

    const history = await repo.history(owner, berlin.id);
    expect(history.map((m) => [m.content, m.validTo === null])).toEqual([
      ['The user lives in Berlin.', false],
      ['The user lives in Paris.', true],
    ]);
    expect(history[0]!.supersededBy).toBe(history[1]!.id);
    const current = (await repo.list(owner)).map((m) => m.content).sort();
    expect(current).toEqual([
      'The user lives in Paris.',
      'The user prefers to be called Samuel.',
      "The user's sister is called Ana.",
    ]);
  });

  it('an update of a memory another job superseded meanwhile is added instead', async () => {
    const old = await repo.insert({ ...context, ...candidate('The user drives a red car.'), pinned: false });
    await repo.invalidate(owner, old.id);
    const applied = await applyDecisions(repo, context, [
      { op: 'update', targetId: old.id, candidate: candidate('The user drives a blue car.') },
    ]);
    expect(applied.updated).toEqual([]);
    expect(applied.added.map((m) => m.content)).toEqual(['The user drives a blue car.']);
  });
});
