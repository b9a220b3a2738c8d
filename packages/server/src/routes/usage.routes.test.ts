import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NewUsageEventRow } from '../db/schema/index.js';
import { createUsageRepository } from '../repositories/usage.repository.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

type User = Awaited<ReturnType<typeof signup>>;

describeStorage('usage report on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let avatarId: string;

  const report = async (query: string, who: User = ada) => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/usage?${query}`,
      headers: { cookie: who.cookie },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    ada = await signup(app, 'ada@example.org');
    bob = await signup(app, 'bob@example.org');
    avatarId = (
      await app.inject({ method: 'GET', url: '/api/avatars', headers: { ...CSRF, cookie: ada.cookie } })
    ).json().avatars[0].id;

    const usage = createUsageRepository(storage.db);
    const event = (fields: Partial<NewUsageEventRow>): NewUsageEventRow => ({
      userId: ada.user.id,
      provider: 'openai',
      model: 'openai/gpt-4o',
      purpose: 'chat',
      avatarId,
      inputTokens: 100,
      outputTokens: 50,
      tokensReported: true,
      costUsd: 0.01,
      timeToFirstTokenMs: 200,
      durationMs: 1000,
      status: 'complete',
      createdAt: new Date('2026-03-01T10:00:00Z'),
      ...fields,
    });
    for (const e of [
      event({ durationMs: 1000 }),
      event({ durationMs: 2000, timeToFirstTokenMs: 400 }),
      event({ durationMs: 3000, timeToFirstTokenMs: null, status: 'error', errorCode: 'rate_limited' }),
      event({ durationMs: 4000, createdAt: new Date('2026-03-02T23:59:59Z'), status: 'cancelled' }),
      event({
        provider: 'ollama',
        model: 'ollama/llama3.2',
        costUsd: 0,
        durationMs: 500,
        timeToFirstTokenMs: 50,
        createdAt: new Date('2026-03-02T08:00:00Z'),
      }),
      event({
        model: 'openai/unpriced',
        purpose: 'avatar-suggestion',
        avatarId: null,
        costUsd: null,
        timeToFirstTokenMs: null,
        inputTokens: 10,
        outputTokens: 5,
        durationMs: 100,
        createdAt: new Date('2026-02-20T08:00:00Z'),
      }),
      // Someone else's calls never count.
      event({ userId: bob.user.id, durationMs: 99_000, costUsd: 5 }),
    ]) {
      await usage.record(e);
    }
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  it('groups by model with tokens, cost, timings and failures, and totals', async () => {
    const body = await report('groupBy=model');
    expect(body.groupBy).toBe('model');
    expect(body.rows.map((r: { key: string }) => r.key)).toEqual([
      'openai/gpt-4o',
      'ollama/llama3.2',
      'openai/unpriced',
    ]);
    expect(body.rows[0]).toEqual({
      key: 'openai/gpt-4o',
      label: null,
      calls: 4,
      inputTokens: 400,
      outputTokens: 200,
      costUsd: 0.04,
      unpricedCalls: 0,
      avgTimeToFirstTokenMs: 267, // (200 + 400 + 200) / 3: the failed call produced no token
      p50DurationMs: 2500,
      p95DurationMs: 3850,
      errors: 1,
      cancelled: 1,
    });
    expect(body.rows[2]).toMatchObject({ key: 'openai/unpriced', costUsd: 0, unpricedCalls: 1 });
    expect(body.totals).toEqual({
      calls: 6,
      inputTokens: 510,
      outputTokens: 255,
      costUsd: 0.04,
      unpricedCalls: 1,
      avgTimeToFirstTokenMs: 213,
      p50DurationMs: 1500,
      p95DurationMs: 3750,
      errors: 1,
      cancelled: 1,
    });
  });

  it('groups by UTC day, oldest first, within a date range', async () => {
    const body = await report('groupBy=day&from=2026-03-01&to=2026-03-02');
    expect(body.from).toBe('2026-03-01T00:00:00.000Z');
    expect(body.to).toBe('2026-03-03T00:00:00.000Z');
    expect(body.rows.map((r: { key: string; calls: number }) => [r.key, r.calls])).toEqual([
      ['2026-03-01', 3],
      ['2026-03-02', 2],
    ]);
    expect(body.totals.calls).toBe(5);
    const one = await report('groupBy=day&from=2026-03-02T00:00:00Z&to=2026-03-02T12:00:00Z');
    expect(one.rows).toEqual([expect.objectContaining({ key: '2026-03-02', calls: 1 })]);
  });

  it("groups by avatar with the avatar's name, and by purpose", async () => {
    const byAvatar = await report('groupBy=avatar');
    expect(
      byAvatar.rows.map((r: { key: string | null; label: string | null; calls: number }) => [
        r.key,
        r.label,
        r.calls,
      ]),
    ).toEqual([
      [avatarId, 'Lumina', 5],
      [null, null, 1],
    ]);
    const byPurpose = await report('groupBy=purpose');
    expect(byPurpose.rows.map((r: { key: string; calls: number }) => [r.key, r.calls])).toEqual([
      ['chat', 5],
      ['avatar-suggestion', 1],
    ]);
  });

  it('answers zeros for a range without calls, and only your own calls', async () => {
    const empty = await report('groupBy=model&from=2020-01-01&to=2020-12-31');
    expect(empty.rows).toEqual([]);
    expect(empty.totals).toMatchObject({
      calls: 0,
      costUsd: 0,
      p50DurationMs: null,
      avgTimeToFirstTokenMs: null,
    });
    const bobs = await report('groupBy=model', bob);
    expect(bobs.totals).toMatchObject({ calls: 1, costUsd: 5, p50DurationMs: 99_000 });
  });

  it('rejects bad parameters', async () => {
    for (const query of ['groupBy=week', 'from=soon', 'from=2026-03-02&to=2026-03-01']) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/usage?${query}`,
        headers: { cookie: ada.cookie },
      });
      expect(res.statusCode, query).toBe(400);
    }
    expect((await app.inject({ method: 'GET', url: '/api/usage' })).statusCode).toBe(401);
  });
});
