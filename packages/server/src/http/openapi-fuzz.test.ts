import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobQueue } from '../jobs/job-queue.js';
import { createPgBossJobQueue } from '../jobs/pg-boss-job-queue.js';
import { CSRF, createTestApp, sessionCookie, signup, type TestApp } from '../test-support/app.js';
import {
  anyJson,
  deeplyNested,
  hostileString,
  type JsonSchema,
  mutatedValue,
  type SchemaContext,
  validValue,
} from '../test-support/json-schema-arbitrary.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

/**
 * Property-based fuzz over every operation of the OpenAPI document the app publishes: path
 * params, query strings and JSON bodies drawn from each operation's own schemas (valid, broken
 * in one place, or hostile), sent as a signed-in user, a read-only token, an admin or nobody.
 * No answer may be a 5xx, and every error must have the documented shape and a request id.
 *
 * FUZZ_RUNS sets the runs per operation (default 25; `FUZZ_RUNS=500` for a deep run);
 * FUZZ_SEED replays a failure (the report prints it for each operation that failed), and
 * FUZZ_ONLY (a regular expression over "METHOD /path") limits the run to some operations.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
// The normal test run always tries the same cases (a fixed seed), so it fails only when the
// code changed; a deeper run (FUZZ_RUNS set) draws a new seed each time unless FUZZ_SEED is given.
const SEED =
  process.env.FUZZ_SEED !== undefined
    ? Number(process.env.FUZZ_SEED)
    : process.env.FUZZ_RUNS === undefined
      ? 20_251_110
      : undefined;
const ONLY = new RegExp(process.env.FUZZ_ONLY ?? '');

interface Operation {
  method: string;
  path: string;
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  description?: string;
}

type Actor = 'user' | 'readonly' | 'admin' | 'anonymous';

interface FuzzRequest {
  actor: Actor;
  url: string;
  headers: Record<string, string>;
  payload?: string | undefined;
}

/** Admin operations that would download from the internet or install packages when valid. */
const OUTSIDE_EFFECTS = new Set(['POST /api/admin/local-models', 'POST /api/admin/local-models/engine']);
/** Operations that end the caller's session: each run gets a session of its own. */
const ENDS_SESSION = new Set(['POST /api/auth/logout', 'DELETE /api/auth/sessions/{id}']);
const UNVALIDATED = 'input reached the database unvalidated';
const PASSWORD = 'a long enough passphrase';

/** Percent-encodes every byte outside the unreserved set, lone surrogates included (as U+FFFD). */
const encode = (text: string) =>
  [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');

/** URL pieces sent as they are: a raw NUL escape, broken escapes, traversal. */
const rawSegment = fc.constantFrom(
  '%00',
  'a%00b',
  '%zz',
  '%',
  '..',
  '%2e%2e',
  'a%2Fb',
  '%C0%80',
  '%ED%A0%80',
);

describeStorage('every OpenAPI operation under fuzzing (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let jobs: JobQueue;
  let test: TestApp;
  let app: FastifyInstance;
  let doc: {
    paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
    components: { schemas: Record<string, JsonSchema> };
  };
  const cookies: Partial<Record<Actor, string>> = {};
  let readonlyToken: string;
  let ctx: SchemaContext;
  /** Makes things to aim at (fuzzed DELETEs remove them): ids of an avatar, a conversation, … */
  let fixtures: () => Promise<Record<string, string[]>>;
  let idsByResource: Record<string, string[]>;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    // With the job queue `npm start` runs, so the admin jobs routes answer as they do there.
    jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    test = await createTestApp(
      storage,
      {
        OLLAMA_BASE_URL: ollama.origin,
        // Cloud providers a fuzzed request adds are never called: nothing leaves this machine.
        LUMINA_LOCAL_ONLY: 'true',
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '10000',
        LUMINA_API_LIMIT_PER_MINUTE: '1000000',
        CHAT_FLUSH_INTERVAL_MS: '50',
      },
      undefined,
      undefined,
      jobs,
    );
    await jobs.start();
    app = test.app;
    const admin = await signup(app, 'admin@example.org');
    const user = await signup(app, 'user@example.org');
    cookies.admin = admin.cookie;
    cookies.user = user.cookie;
    const as = (cookie: string) => ({ ...CSRF, cookie });
    const post = async (url: string, payload: object, cookie = user.cookie) => {
      const res = await app.inject({ method: 'POST', url, headers: as(cookie), payload });
      if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      headers: as(user.cookie),
      payload: { defaultModel: 'ollama/llama3.2:latest' },
    });
    readonlyToken = (await post('/api/auth/tokens', { name: 'read', scopes: ['read'] })).secret;
    // The actors' own user ids are never offered as path ids, so an admin's fuzzed PATCH
    // cannot disable an actor; the victim's are.
    let victims = 0;
    fixtures = async () => {
      // A new victim each time: fuzzed admin requests may have disabled the last one.
      const email = `victim${++victims}@example.org`;
      const victim = (
        await post('/api/admin/users', { email, password: PASSWORD, name: 'Victim' }, admin.cookie)
      ).user as { id: string };
      const victimCookie = await freshCookie(email);
      const avatar = (await post('/api/avatars', { name: 'Fuzzed', greeting: 'Hello.' })).avatar;
      const victimAvatar = (await post('/api/avatars', { name: 'Not yours' }, victimCookie)).avatar;
      const conversation = (
        await post('/api/conversations', { avatarId: avatar.id, model: 'ollama/llama3.2:latest' })
      ).conversation;
      // A reply to aim at (the fuzz may have removed the provider: then there is none).
      await app.inject({
        method: 'POST',
        url: `/api/conversations/${conversation.id}/messages`,
        headers: as(user.cookie),
        payload: { content: 'Hello there' },
      });
      const get = async (url: string, cookie = user.cookie) =>
        (await app.inject({ method: 'GET', url, headers: as(cookie) })).json();
      const branch = (await get(`/api/conversations/${conversation.id}/messages`)) as {
        messages: { id: string }[];
      };
      const sessions = (await get('/api/auth/sessions', victimCookie)) as { sessions: { id: string }[] };
      const providers = (await get('/api/providers')) as { providers: { id: string }[] };
      const tokens = (await get('/api/auth/tokens')) as { tokens: { id: string; name: string }[] };
      return {
        avatars: [avatar.id, victimAvatar.id],
        conversations: [conversation.id],
        users: [victim.id],
        tokens: tokens.tokens.filter((t) => t.name !== 'read').map((t) => t.id),
        messages: branch.messages.map((m) => m.id),
        sessions: sessions.sessions.map((s) => s.id),
        providers: providers.providers.map((p) => p.id),
      };
    };
    await post(
      '/api/providers',
      { kind: 'ollama', name: 'Own Ollama', baseUrl: ollama.origin },
      admin.cookie,
    );
    await post('/api/auth/tokens', { name: 'spare', scopes: ['read', 'write'] });
    ctx = {
      resolve: (ref) => doc.components.schemas[ref.replace('#/components/schemas/', '')]!,
      knownIds: [],
      safeUrls: [ollama.origin, 'http://127.0.0.1:9/v1', 'http://[::1]:9', 'http://localhost:9/api'],
    };
    doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  });
  afterAll(async () => {
    await jobs?.stop({ drainMs: 0 });
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  /** A fresh session, for operations that end the session they are sent with. */
  const freshCookie = async (email: string) =>
    sessionCookie(
      await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: CSRF,
        payload: { email, password: PASSWORD },
      }),
    );

  function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
    const key = `${op.method.toUpperCase()} ${op.path}`;
    const params = op.parameters ?? [];
    const pathParams = params.filter((p) => p.in === 'path');
    // Mostly ids of the resource the path names (`/api/avatars/{id}` → an avatar), so requests
    // reach the code behind the look-up.
    const resource = op.path.split('/').at(op.path.split('/').indexOf('{id}') - 1) ?? '';
    const ownIds = idsByResource[resource === 'jump' ? 'messages' : resource] ?? [];
    const pathArb = fc.tuple(
      ...pathParams.map(() =>
        fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...(ownIds.length ? ownIds : ctx.knownIds)) },
          { weight: 2, arbitrary: fc.constantFrom(...ctx.knownIds) },
          { weight: 1, arbitrary: fc.uuid().map(encode) },
          { weight: 1, arbitrary: hostileString.filter((s) => s.length > 0 && s.length < 300).map(encode) },
          { weight: 1, arbitrary: rawSegment },
        ),
      ),
    );
    const queryArb = fc.tuple(
      ...params
        .filter((p) => p.in === 'query')
        .map((p) =>
          fc.oneof(
            { weight: 3, arbitrary: fc.constant(undefined) },
            {
              weight: 6,
              arbitrary: validValue(p.schema ?? {}, ctx).map((v) =>
                v === undefined || v === null ? undefined : `${encode(p.name)}=${encode(String(v))}`,
              ),
            },
            { weight: 1, arbitrary: hostileString.map((v) => `${encode(p.name)}=${encode(v)}`) },
            { weight: 1, arbitrary: rawSegment.map((v) => `${encode(p.name)}=${v}`) },
          ),
        ),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('extra=1', 'q=%00', '__proto__=x', 'a[b]=1', '%00=1') },
      ),
    );
    const headerArb = fc.option(
      fc.record({
        'last-event-id': fc.oneof(fc.nat().map(String), fc.string({ unit: 'grapheme-ascii', maxLength: 20 })),
      }),
      { freq: 2 },
    );
    const schema = op.requestBody?.content['application/json']?.schema;
    const bodyArb: fc.Arbitrary<string | undefined> = schema
      ? fc.oneof(
          { weight: 6, arbitrary: validValue(schema, ctx).map((v) => JSON.stringify(v)) },
          { weight: 3, arbitrary: mutatedValue(schema, ctx).map((v) => JSON.stringify(v)) },
          { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              undefined,
              '',
              '{',
              '{}',
              '[]',
              'null',
              '1e400',
              '"\\u0000"',
              '{"__proto__":{"admin":true}}',
              '{"constructor":{"prototype":{"admin":true}}}',
              JSON.stringify(deeplyNested(60)),
            ),
          },
        )
      : fc.oneof(
          { weight: 6, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
        );
    const adminOperation = op.path.startsWith('/api/admin/');
    const actorArb: fc.Arbitrary<Actor> = OUTSIDE_EFFECTS.has(key)
      ? fc.constantFrom<Actor>('user', 'readonly', 'anonymous')
      : fc.oneof(
          { weight: adminOperation ? 2 : 6, arbitrary: fc.constant<Actor>('user') },
          { weight: adminOperation ? 6 : 1, arbitrary: fc.constant<Actor>('admin') },
          { weight: 1, arbitrary: fc.constant<Actor>('readonly') },
          { weight: 1, arbitrary: fc.constant<Actor>('anonymous') },
        );
    return fc
      .record({ path: pathArb, query: queryArb, header: headerArb, body: bodyArb, actor: actorArb })
      .map(({ path, query, header, body, actor }) => {
        let i = 0;
        const url = op.path.replace(/\{[^}]+\}/g, () => path[i++]!);
        const queryParts = query.flat().filter((q): q is string => typeof q === 'string');
        return {
          actor,
          url: queryParts.length ? `${url}?${queryParts.join('&')}` : url,
          headers: {
            ...(header ?? {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          payload: body,
        };
      });
  }

  async function send(op: Operation, request: FuzzRequest) {
    const key = `${op.method.toUpperCase()} ${op.path}`;
    const auth: Record<string, string> =
      request.actor === 'anonymous'
        ? CSRF
        : request.actor === 'readonly'
          ? { authorization: `Bearer ${readonlyToken}` }
          : {
              ...CSRF,
              cookie: ENDS_SESSION.has(key)
                ? await freshCookie(`${request.actor}@example.org`)
                : cookies[request.actor]!,
            };
    const res = await app.inject({
      method: op.method.toUpperCase() as InjectOptions['method'],
      url: request.url,
      headers: { ...request.headers, ...auth },
      ...(request.payload !== undefined ? { payload: request.payload } : {}),
      // Streams answer as soon as their headers are out; their bodies are not waited for.
      payloadAsStream: true,
    });
    const contentType = String(res.headers['content-type'] ?? '');
    let body = '';
    if (contentType.startsWith('text/event-stream')) {
      res.raw.res.destroy(); // the client leaves: the stream stops following
    } else {
      for await (const chunk of res.stream()) body += chunk;
    }
    return { status: res.statusCode, headers: res.headers, contentType, body };
  }

  // Operations are read from the document the app itself serves (the committed openapi.json may lag).
  it('covers every operation of the document', () => {
    expect(operations().length).toBeGreaterThan(60);
  });

  const operations = (): Operation[] =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ ...op, method, path })),
    );

  it(`answers no operation with a 5xx and every error in the documented shape (${RUNS} runs each)`, async () => {
    const failures: string[] = [];
    for (const op of operations()) {
      const key = `${op.method.toUpperCase()} ${op.path}`;
      if (!ONLY.test(key)) continue;
      idsByResource = await fixtures();
      ctx = { ...ctx, knownIds: Object.values(idsByResource).flat() };
      const result = await fc.check(
        fc.asyncProperty(requestFor(op), async (request) => {
          const before = test.logs.length;
          const res = await send(op, request);
          const requestId = String(res.headers['x-request-id'] ?? '');
          const problems: string[] = [];
          if (res.status >= 500) problems.push(`status ${res.status}: ${res.body.slice(0, 300)}`);
          if (!requestId) problems.push('no x-request-id header');
          if (res.status >= 400) {
            let error: { code?: unknown; message?: unknown } | undefined;
            try {
              error = JSON.parse(res.body).error;
            } catch {
              problems.push(`error body is not JSON: ${res.body.slice(0, 200)}`);
            }
            if (typeof error?.code !== 'string' || typeof error.message !== 'string')
              problems.push(`error body lacks {error:{code,message}}: ${res.body.slice(0, 200)}`);
          }
          const logged = test.logs.slice(before).filter((line) => line.includes(requestId));
          for (const line of logged) {
            if (line.includes(UNVALIDATED) || JSON.parse(line).level >= 50)
              problems.push(`logged: ${line.slice(0, 400)}`);
          }
          if (problems.length) throw new Error(problems.join('; '));
        }),
        { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
      );
      if (result.failed)
        failures.push(
          `${key}: ${String(result.errorInstance ?? '').slice(0, 600)}\n  request: ${JSON.stringify(result.counterexample?.[0]).slice(0, 600)}\n  replay: FUZZ_SEED=${result.seed} (path ${result.counterexamplePath})`,
        );
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  }, 600_000);
});
