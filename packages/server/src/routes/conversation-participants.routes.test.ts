import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase, restoreDatabase } from '../db/backup.js';
import { queryRows } from '../db/database.js';
import { createParticipantService } from '../services/participant.service.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

interface ParticipantBody {
  id: string;
  kind: 'avatar' | 'user';
  role: string;
  avatarId: string | null;
  userId: string | null;
  name: string;
  imageUrl: string | null;
  primary: boolean;
}

describeStorage('conversation participants (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let ada: Awaited<ReturnType<typeof signup>>;
  let bob: Awaited<ReturnType<typeof signup>>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-participants-'));

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    ada = await signup(app, 'ada@example.org');
    bob = await signup(app, 'bob@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const as = (who: { cookie: string }) => ({ ...CSRF, cookie: who.cookie });
  const createAvatar = async (who: { cookie: string }, name: string, greeting = '') =>
    (
      await app.inject({
        method: 'POST',
        url: '/api/avatars',
        headers: as(who),
        payload: { name, greeting },
      })
    ).json().avatar as { id: string; imageUrl: string };
  const startConversation = async (who: { cookie: string }, avatarId: string) =>
    (
      await app.inject({ method: 'POST', url: '/api/conversations', headers: as(who), payload: { avatarId } })
    ).json() as {
      conversation: { id: string; participants: ParticipantBody[] };
      messages: { id: string; turnId: string; speaker: unknown }[];
    };
  const participantsOf = async (conversationId: string, who = ada) =>
    app.inject({ method: 'GET', url: `/api/conversations/${conversationId}/participants`, headers: as(who) });

  it('a new conversation holds its owner and its avatar; its greeting opens a turn spoken by the avatar', async () => {
    const aria = await createAvatar(ada, 'Aria', 'Hello {{user}}');
    const created = await startConversation(ada, aria.id);
    expect(created.conversation.participants).toEqual([
      expect.objectContaining({
        kind: 'user',
        role: 'owner',
        userId: ada.user.id,
        avatarId: null,
        name: 'ada',
        imageUrl: null,
        primary: false,
      }),
      expect.objectContaining({
        kind: 'avatar',
        role: 'participant',
        avatarId: aria.id,
        userId: null,
        name: 'Aria',
        imageUrl: aria.imageUrl,
        primary: true,
      }),
    ]);
    const [greeting] = created.messages;
    expect(greeting).toMatchObject({ turnId: greeting!.id, speaker: { kind: 'avatar', id: aria.id } });

    const listed = await participantsOf(created.conversation.id);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().participants).toEqual(created.conversation.participants);
    const page = await app.inject({ method: 'GET', url: '/api/conversations', headers: as(ada) });
    const inList = (page.json().conversations as { id: string; participants: unknown }[]).find(
      (c) => c.id === created.conversation.id,
    );
    expect(inList?.participants).toEqual(created.conversation.participants);
  });

  it('adds and removes your own avatars; the conversation’s own avatar and its owner stay', async () => {
    const aria = await createAvatar(ada, 'Aria');
    const nova = await createAvatar(ada, 'Nova');
    const { conversation } = await startConversation(ada, aria.id);
    const url = `/api/conversations/${conversation.id}/participants`;

    const added = await app.inject({ method: 'POST', url, headers: as(ada), payload: { avatarId: nova.id } });
    expect(added.statusCode).toBe(201);
    const novaParticipant = added.json().participant as ParticipantBody;
    expect(novaParticipant).toMatchObject({
      kind: 'avatar',
      avatarId: nova.id,
      name: 'Nova',
      primary: false,
    });
    const again = await app.inject({ method: 'POST', url, headers: as(ada), payload: { avatarId: nova.id } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('participant_exists');

    const shown = await app.inject({
      method: 'GET',
      url: `/api/conversations/${conversation.id}`,
      headers: as(ada),
    });
    expect((shown.json().conversation.participants as ParticipantBody[]).map((p) => p.name)).toEqual([
      'ada',
      'Aria',
      'Nova',
    ]);

    const [owner, primary] = conversation.participants;
    for (const kept of [primary!, owner!]) {
      const refused = await app.inject({ method: 'DELETE', url: `${url}/${kept.id}`, headers: as(ada) });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.code).toBe(
        kept.kind === 'avatar' ? 'cannot_remove_primary_avatar' : 'cannot_remove_owner',
      );
    }
    const removed = await app.inject({
      method: 'DELETE',
      url: `${url}/${novaParticipant.id}`,
      headers: as(ada),
    });
    expect(removed.statusCode).toBe(204);
    expect((await participantsOf(conversation.id)).json().participants).toEqual(conversation.participants);
    const gone = await app.inject({
      method: 'DELETE',
      url: `${url}/${novaParticipant.id}`,
      headers: as(ada),
    });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('participant_not_found');
  });

  it('another user’s conversation is not found, and another user’s avatar cannot be brought in', async () => {
    const aria = await createAvatar(ada, 'Aria');
    const { conversation } = await startConversation(ada, aria.id);
    const url = `/api/conversations/${conversation.id}/participants`;
    const bobsAvatar = await createAvatar(bob, 'Max');
    expect((await participantsOf(conversation.id, bob)).statusCode).toBe(404);
    const intrusion = await app.inject({
      method: 'POST',
      url,
      headers: as(bob),
      payload: { avatarId: bobsAvatar.id },
    });
    expect(intrusion.json().error.code).toBe('conversation_not_found');
    const removal = await app.inject({
      method: 'DELETE',
      url: `${url}/${conversation.participants[1]!.id}`,
      headers: as(bob),
    });
    expect(removal.statusCode).toBe(404);
    const foreign = await app.inject({
      method: 'POST',
      url,
      headers: as(ada),
      payload: { avatarId: bobsAvatar.id },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('avatar_not_found');
    const bad = await app.inject({ method: 'POST', url, headers: as(ada), payload: { avatarId: 'nope' } });
    expect(bad.statusCode).toBe(400);
  });

  it('holds people with roles at the data level, and an avatar deleted leaves every conversation', async () => {
    const aria = await createAvatar(ada, 'Aria');
    const nova = await createAvatar(ada, 'Nova');
    const { conversation } = await startConversation(ada, aria.id);
    const participants = createParticipantService({ db: storage.db });
    const viewer = await participants.addPerson(ada.user.id, conversation.id, bob.user.id, 'viewer');
    expect(viewer).toMatchObject({ kind: 'user', role: 'viewer', userId: bob.user.id, name: 'bob' });
    await expect(
      participants.addPerson(ada.user.id, conversation.id, bob.user.id, 'participant'),
    ).rejects.toMatchObject({ code: 'participant_exists' });
    await expect(
      participants.addPerson(bob.user.id, conversation.id, bob.user.id, 'viewer'),
    ).rejects.toMatchObject({
      code: 'conversation_not_found',
    });
    await participants.addAvatar(ada.user.id, conversation.id, nova.id);

    const deleted = await app.inject({ method: 'DELETE', url: `/api/avatars/${nova.id}`, headers: as(ada) });
    expect(deleted.statusCode).toBe(204);
    const left = (await participantsOf(conversation.id)).json().participants as ParticipantBody[];
    expect(left.map((p) => [p.name, p.role])).toEqual([
      ['ada', 'owner'],
      ['Aria', 'participant'],
      ['bob', 'viewer'],
    ]);
    // Removing a person works as for an avatar.
    const bobRow = left.find((p) => p.userId === bob.user.id)!;
    const url = `/api/conversations/${conversation.id}/participants/${bobRow.id}`;
    expect((await app.inject({ method: 'DELETE', url, headers: as(ada) })).statusCode).toBe(204);
  });

  it('a fork takes the avatars along and gets turns of its own', async () => {
    const aria = await createAvatar(ada, 'Aria', 'Hi');
    const nova = await createAvatar(ada, 'Nova');
    const { conversation, messages } = await startConversation(ada, aria.id);
    await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/participants`,
      headers: as(ada),
      payload: { avatarId: nova.id },
    });
    const forked = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/fork`,
      headers: as(ada),
      payload: { messageId: messages[0]!.id },
    });
    expect(forked.statusCode).toBe(201);
    const fork = forked.json().conversation as { id: string; participants: ParticipantBody[] };
    expect(fork.participants.map((p) => [p.name, p.primary])).toEqual([
      ['ada', false],
      ['Aria', true],
      ['Nova', false],
    ]);
    const copied = (
      await app.inject({ method: 'GET', url: `/api/conversations/${fork.id}/messages`, headers: as(ada) })
    ).json().messages as { id: string; turnId: string; speaker: unknown }[];
    expect(copied).toEqual([
      expect.objectContaining({ turnId: copied[0]!.id, speaker: { kind: 'avatar', id: aria.id } }),
    ]);
    expect(copied[0]!.id).not.toBe(messages[0]!.id);
  });

  it('an imported conversation holds its owner and avatar, with turns and speakers', async () => {
    const aria = await createAvatar(ada, 'Aria');
    const lines = [
      { user_name: 'ada', character_name: 'Aria' },
      { name: 'Aria', is_user: false, mes: 'Once', send_date: '2024-01-01T10:00:00.000Z' },
      { name: 'Aria', is_user: false, mes: 'upon a time', send_date: '2024-01-01T10:00:01.000Z' },
      { name: 'ada', is_user: true, mes: 'And then?', send_date: '2024-01-01T10:00:02.000Z' },
      { name: 'Aria', is_user: false, mes: 'The end.', send_date: '2024-01-01T10:00:03.000Z' },
    ];
    const form = new FormData();
    form.append('avatarId', aria.id);
    form.append('file', new Blob([lines.map((l) => JSON.stringify(l)).join('\n')]), 'chat.jsonl');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const imported = await app.inject({
      method: 'POST',
      url: '/api/conversations/import',
      headers: { ...as(ada), 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    expect(imported.statusCode).toBe(201);
    const [result] = imported.json().results as {
      ok: boolean;
      conversation: { id: string; participants: ParticipantBody[] };
    }[];
    expect(result!.conversation.participants.map((p) => [p.kind, p.role, p.primary])).toEqual([
      ['user', 'owner', false],
      ['avatar', 'participant', true],
    ]);
    const branch = (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${result!.conversation.id}/messages`,
        headers: as(ada),
      })
    ).json().messages as { id: string; content: string; turnId: string; speaker: unknown }[];
    const [once, upon, question, end] = branch;
    const replyOf = { kind: 'avatar', id: aria.id };
    expect(branch.map((m) => [m.content, m.turnId, m.speaker])).toEqual([
      ['Once', once!.id, replyOf],
      ['upon a time', once!.id, replyOf],
      ['And then?', question!.id, { kind: 'user', id: ada.user.id }],
      ['The end.', question!.id, replyOf],
    ]);
    expect(upon && end).toBeTruthy();
  });

  describe('backups', () => {
    it('carry the participants and bring them back', async () => {
      const file = path.join(dir, 'participants.lumina-backup');
      const rowsOf = async (target: TestStorage) =>
        (
          await queryRows<{ row: string }>(
            target.db,
            sql`select row_to_json(p)::text as row from conversation_participants p order by 1`,
          )
        ).map((r) => r.row);
      const summary = await backupDatabase(storage.db, file);
      const rows = await rowsOf(storage);
      expect(rows.length).toBeGreaterThan(0);
      expect(summary.tables.conversation_participants).toBe(rows.length);
      const target = await createTestStorage(mode);
      try {
        await restoreDatabase(target.db, file);
        expect(await rowsOf(target)).toEqual(rows);
      } finally {
        await target.close();
      }
    });
  });
});
