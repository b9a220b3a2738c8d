import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { migrate } from './migrate.js';

/** What the code before issue 10 point 5 stored for errors thrown while a reply was written. */
const OLD_ERRORS = [
  {
    code: 'internal_error',
    message:
      'Failed query: insert into "usage_events" ("id", "user_id", "model") values (default, $1, $2)\nparams: 0b6e7c1e-5d2f-4c1b-9a57-0f4c3d2e1a00,ollama/llama3.2',
  },
  { code: '57P01', message: 'terminating connection due to administrator command' },
  { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.7:5432' },
  { code: 'internal_error', message: 'update "messages" set "content" = $1 where "id" = $2' },
];
/** One of ours, stored as it was: it stays. */
const OURS = { code: 'provider_unavailable', message: 'Ollama is not reachable' };

describeStorage('reply errors stored before our own words (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let cookie: string;
  let conversationId: string;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage)).app;
    const signedUp = await signup(app, 'old-errors@example.org');
    cookie = signedUp.cookie;
    const avatar = await app.inject({
      method: 'POST',
      url: '/api/avatars',
      headers: { ...CSRF, cookie },
      payload: { name: 'Aria' },
    });
    const conversation = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: { ...CSRF, cookie },
      payload: { avatarId: avatar.json().avatar.id },
    });
    conversationId = conversation.json().conversation.id;
    for (const error of [...OLD_ERRORS, OURS]) {
      await storage.db.execute(sql`insert into messages (id, conversation_id, owner_id, role, content, status, error)
        values (${randomUUID()}, ${conversationId}, ${signedUp.user.id}, 'assistant', 'partial text', 'error',
                ${JSON.stringify(error)}::jsonb)`);
    }
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  it('shows them in our words once the database is upgraded, and keeps errors of ours', async () => {
    // The database as it was before migration 0007: upgrading applies it to the old rows.
    await storage.db.execute(sql`delete from lumina_migrations where tag = '0007'`);
    expect((await migrate(storage.db)).applied).toEqual(['0007']);

    const res = await app.inject({
      method: 'GET',
      url: `/api/conversations/${conversationId}/messages?view=tree`,
      headers: { cookie },
    });
    expect(res.statusCode).toBe(200);
    const errors = (res.json().messages as { error: { code: string; message: string } | null }[])
      .map((m) => m.error)
      .filter((e) => e !== null);
    expect(errors).toHaveLength(OLD_ERRORS.length + 1);
    const internal = { code: 'internal_error', message: 'The reply failed on our side' };
    expect(errors.filter((e) => e.code === 'internal_error')).toEqual(OLD_ERRORS.map(() => internal));
    expect(errors).toContainEqual(OURS);
    for (const old of OLD_ERRORS) expect(res.body).not.toContain(old.message.slice(0, 20));
  });
});
