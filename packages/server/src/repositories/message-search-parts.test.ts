import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import type { MessagePart } from '../domain/message-parts.js';
import { toSearchHitDto } from '../presenters/search.presenter.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createAvatarRepository } from './avatar.repository.js';
import { createConversationRepository } from './conversation.repository.js';
import { createMessageRepository } from './message.repository.js';
import { createMessageSearchRepository } from './message-search.repository.js';
import { createUserRepository } from './user.repository.js';

describeStorage('search over message parts on %s', (mode) => {
  let storage: TestStorage;
  let ownerId: string;
  const ids: Record<string, string> = {};
  let conversationId: string;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    ownerId = (
      await createUserRepository(storage.db).create({
        email: 'find@example.org',
        passwordHash: 'x',
        name: 'F',
      })
    ).id;
    const avatar = await createAvatarRepository(storage.db).create({
      ownerId,
      name: 'A',
      style: {
        formality: 50,
        verbosity: 50,
        warmth: 50,
        humor: 50,
        directness: 50,
        curiosity: 50,
        custom: [],
      },
      voice: { engine: null, voice: null, rate: 1, pitch: 1 },
      memory: { enabled: true, scope: 'private' },
    });
    conversationId = (await createConversationRepository(storage.db).create({ ownerId, avatarId: avatar.id }))
      .id;
    const messages = createMessageRepository(storage.db);
    let parentId: string | null = null;
    const add = async (name: string, role: 'user' | 'assistant' | 'tool', parts: MessagePart[]) => {
      const row = await messages.insert({ id: uuidv7(), conversationId, ownerId, parentId, role, parts });
      ids[name] = row.id;
      parentId = row.id;
    };
    await add('question', 'user', [{ type: 'text', text: 'How is the weather for the pangolin walk?' }]);
    await add('calling', 'assistant', [
      { type: 'reasoning', text: 'Secretly thinking about zeppelins.' },
      { type: 'text', text: 'Checking the forecast.' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { query: 'pangolin' } },
      { type: 'tool-call', toolCallId: 'c2', toolName: 'calendar', input: {} },
      { type: 'tool-call', toolCallId: 'c3', toolName: 'weather', input: { day: 2 } },
    ]);
    await add('result', 'tool', [
      { type: 'text', text: 'Forecast for the pangolin walk: dry.' },
      {
        type: 'tool-result',
        toolCallId: 'c1',
        toolName: 'weather',
        output: { sky: 'zeppelins' },
        isError: false,
      },
    ]);
  });
  afterAll(() => storage?.close());

  const search = (text: string, role?: 'tool') =>
    createMessageSearchRepository(storage.db).search(
      ownerId,
      { text, prefix: null },
      { role },
      { limit: 10 },
    );

  it('finds tool messages by their text parts, naming the tools, with the tool role filter', async () => {
    const page = await search('pangolin');
    const hits = page.rows.map(toSearchHitDto);
    expect(hits.map((hit) => [hit.messageId, hit.role, hit.toolNames]).sort()).toEqual(
      [
        [ids.question, 'user', []],
        [ids.result, 'tool', ['weather']],
      ].sort(),
    );
    const toolOnly = await search('pangolin', 'tool');
    expect(toolOnly.rows.map((row) => row.id)).toEqual([ids.result]);
    const forecast = (await search('forecast')).rows.find((row) => row.id === ids.calling)!;
    expect(forecast.toolNames).toEqual(['weather', 'calendar']);
  });

  it('matches and quotes text only: not reasoning, tool inputs or outputs', async () => {
    expect((await search('zeppelins')).rows).toEqual([]);
    const hit = toSearchHitDto((await search('forecast')).rows.find((row) => row.id === ids.calling)!);
    expect(hit.snippet.map((segment) => segment.text).join('')).toBe('Checking the forecast');
  });

  it('finds a reply once it is settled, never while it streams (issue 11: no search vector until then)', async () => {
    const messages = createMessageRepository(storage.db);
    const tsvOf = async (id: string) =>
      (
        await queryRows<{ empty: boolean }>(
          storage.db,
          sql`select tsv is null as empty from messages where id = ${id}`,
        )
      )[0]!.empty;
    const streaming = await messages.insert({
      id: uuidv7(),
      conversationId,
      ownerId,
      parentId: ids.result!,
      role: 'assistant',
      status: 'streaming',
      writerId: 'writer-1',
      parts: [{ type: 'text', text: 'The armadillo' }],
    });
    await messages.flush(streaming.id, 'The armadillo parade');
    expect(await tsvOf(streaming.id)).toBe(true);
    expect((await search('armadillo')).rows).toEqual([]);

    await messages.finish(streaming.id, { status: 'complete', writerId: null });
    expect(await tsvOf(streaming.id)).toBe(false);
    expect((await search('parade')).rows.map((row) => row.id)).toEqual([streaming.id]);

    // A reply cut off by a crash is settled too: the text it got to is found.
    const cut = await messages.insert({
      id: uuidv7(),
      conversationId,
      ownerId,
      parentId: ids.result!,
      role: 'assistant',
      status: 'streaming',
      writerId: 'writer-dead',
      parts: [{ type: 'text', text: 'An ocelot' }],
    });
    expect((await search('ocelot')).rows).toEqual([]);
    await messages.markInterrupted(['writer-dead']);
    expect((await search('ocelot')).rows.map((row) => row.id)).toEqual([cut.id]);
  });
});
