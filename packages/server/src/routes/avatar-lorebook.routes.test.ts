import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LorebookDocument } from '../cards/lorebook-document.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { fixturePath } from '../test-support/fixtures.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const ELDORIA = fixturePath('sillytavern', 'Eldoria.json');

type WorldInfoEntry = {
  uid: number;
  key: string[];
  comment: string;
  content: string;
  [field: string]: unknown;
};

describeStorage('lorebook editing on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let ada: Awaited<ReturnType<typeof signup>>;
  let bob: Awaited<ReturnType<typeof signup>>;
  let eldoria: { entries: Record<string, WorldInfoEntry> };
  let avatarId: string;

  beforeAll(async () => {
    eldoria = JSON.parse(fs.readFileSync(ELDORIA, 'utf8'));
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    ada = await signup(app, 'ada@example.org');
    bob = await signup(app, 'bob@example.org');
    const created = await call('POST', '/api/avatars', ada, { name: 'Seraphina', visibility: 'instance' });
    avatarId = created.json().avatar.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    who: Awaited<ReturnType<typeof signup>>,
    payload?: unknown,
  ) => app.inject({ method, url, payload: payload as object, headers: { ...CSRF, cookie: who.cookie } });

  const documentOf = async (who = ada): Promise<LorebookDocument> =>
    (await call('GET', `/api/avatars/${avatarId}/lorebook/document`, who)).json().lorebook;
  const worldInfo = async (): Promise<{ entries: Record<string, WorldInfoEntry> }> =>
    (await call('GET', `/api/avatars/${avatarId}/lorebook`, ada)).json();

  it('has no document before a lorebook is attached', async () => {
    const res = await call('GET', `/api/avatars/${avatarId}/lorebook/document`, ada);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('lorebook_not_found');
  });

  it('reads the attached Eldoria World Info as a document, keys as text', async () => {
    expect((await call('PUT', `/api/avatars/${avatarId}/lorebook`, ada, eldoria)).statusCode).toBe(200);
    const document = await documentOf();
    const originals = Object.values(eldoria.entries);
    expect(document.entries).toHaveLength(originals.length);
    expect(document.entries[0]).toMatchObject({
      id: originals[0]!.uid,
      keys: originals[0]!.key,
      content: originals[0]!.content,
      enabled: true,
      position: expect.any(String),
      selectiveLogic: expect.any(String),
    });
    expect(document).toMatchObject({ scanDepth: null, tokenBudget: null, recursiveScanning: null });
  });

  it('saves one edited entry and book settings, leaving every other entry exactly as exported before', async () => {
    const before = await worldInfo();
    const document = await documentOf();
    const [first, ...rest] = document.entries;
    const edited: LorebookDocument = {
      ...document,
      tokenBudget: 600,
      scanDepth: 4,
      recursiveScanning: false,
      entries: [
        {
          ...first!,
          comment: 'The forest',
          keys: ['eldoria', '/shadow ?fangs?/i'],
          secondaryKeys: ['danger'],
          selective: true,
          selectiveLogic: 'not_any',
          caseSensitive: true,
          constant: true,
          insertionOrder: 5,
          position: 'at_depth',
          depth: 2,
          content: 'Eldoria is a forest glade guarded by {{char}}.',
        },
        ...rest,
      ],
    };
    const res = await call('PUT', `/api/avatars/${avatarId}/lorebook/document`, ada, { lorebook: edited });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().warnings).toEqual([]);
    expect(res.json().avatar.lorebook.entryCount).toBe(document.entries.length);
    expect(res.json().lorebook).toEqual(edited);
    expect(await documentOf()).toEqual(edited);

    const after = await worldInfo();
    const firstUid = String(first!.id);
    expect(after.entries[firstUid]).toMatchObject({
      comment: 'The forest',
      key: ['eldoria', '/shadow ?fangs?/i'],
      keysecondary: ['danger'],
      selectiveLogic: 2, // SillyTavern's NOT ANY
      constant: true,
      order: 5,
      position: 4, // SillyTavern's @ depth
      depth: 2,
      caseSensitive: true,
    });
    for (const uid of Object.keys(before.entries).filter((uid) => uid !== firstUid))
      expect(after.entries[uid]).toEqual(before.entries[uid]);
  });

  it('numbers new entries, drops blank keys, and warns about a regular expression that cannot match', async () => {
    const document = await documentOf();
    const highest = Math.max(...document.entries.map((e) => Number(e.id)));
    const template = document.entries[1]!;
    const added = {
      ...template,
      id: undefined,
      comment: 'Shadowfangs',
      keys: ['  ', '/fang(/'],
      extensions: {},
      extra: {},
    };
    const res = await call('PUT', `/api/avatars/${avatarId}/lorebook/document`, ada, {
      lorebook: { ...document, entries: [...document.entries.slice(1), added] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().warnings).toEqual([expect.stringContaining('/fang(/')]);
    const saved = res.json().lorebook as LorebookDocument;
    expect(saved.entries).toHaveLength(document.entries.length);
    expect(saved.entries.at(-1)).toMatchObject({
      id: highest + 1,
      keys: ['/fang(/'],
      comment: 'Shadowfangs',
    });
    expect(saved.entries.map((e) => e.id)).not.toContain(document.entries[0]!.id);
  });

  it('refuses a document that is not valid, and changes nothing', async () => {
    const document = await documentOf();
    const bad = { ...document, entries: [{ ...document.entries[0]!, selectiveLogic: 'sometimes' }] };
    const res = await call('PUT', `/api/avatars/${avatarId}/lorebook/document`, ada, { lorebook: bad });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
    expect(await documentOf()).toEqual(document);
  });

  it('lets others read a shared avatar’s lorebook but not change it', async () => {
    const document = await documentOf(bob);
    expect(document.entries.length).toBeGreaterThan(0);
    const res = await call('PUT', `/api/avatars/${avatarId}/lorebook/document`, bob, {
      lorebook: { ...document, entries: [] },
    });
    expect(res.statusCode).toBe(404);
    expect((await documentOf()).entries).toHaveLength(document.entries.length);
  });

  it('creates a lorebook from a document when the avatar has none, and detaches it', async () => {
    expect(
      (await call('DELETE', `/api/avatars/${avatarId}/lorebook`, ada)).json().avatar.lorebook,
    ).toBeNull();
    const fresh: LorebookDocument = {
      scanDepth: null,
      tokenBudget: null,
      recursiveScanning: null,
      extensions: {},
      extra: {},
      entries: [
        {
          comment: 'The glade',
          keys: ['glade'],
          secondaryKeys: [],
          content: 'A sunlit clearing.',
          enabled: true,
          constant: false,
          selective: false,
          selectiveLogic: 'and_any',
          useRegex: false,
          caseSensitive: null,
          matchWholeWords: null,
          insertionOrder: 100,
          position: 'before_char',
          depth: 4,
          scanDepth: null,
          probability: null,
          useProbability: false,
          group: '',
          excludeRecursion: false,
          preventRecursion: false,
          delayUntilRecursion: false,
          extensions: {},
          extra: {},
        },
      ],
    };
    const res = await call('PUT', `/api/avatars/${avatarId}/lorebook/document`, ada, { lorebook: fresh });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().avatar.lorebook).toEqual({ name: null, entryCount: 1 });
    expect(Object.values((await worldInfo()).entries)).toEqual([
      expect.objectContaining({
        uid: 0,
        key: ['glade'],
        comment: 'The glade',
        content: 'A sunlit clearing.',
      }),
    ]);
  });
});
