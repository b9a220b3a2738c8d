// What saving the text of many streaming replies costs the server process: one UPDATE per reply
// (each reply's own flush timer) against the reply flush batch (one statement per tick for all
// of them), on PGlite and PostgreSQL (--pg-url). Runs the built server modules in this process
// and measures this process's CPU (process.cpuUsage) and wall time per tick.
// Options: --quick, --pg-url <admin url>.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inPostgresMode, progress, runAsMain } from './lib/common.mjs';
import { ROOT, round, summarize, tempDir } from './lib/server.mjs';

const dist = (file) => import(pathToFileURL(path.join(ROOT, 'packages', 'server', 'dist', file)).href);
const REPLIES = 200;

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function measure(fn) {
  const cpu = cpuMs();
  const wall = performance.now();
  await fn();
  return { cpuMs: cpuMs() - cpu, wallMs: performance.now() - wall };
}

async function runMode(label, storageOptions, ticks) {
  const { openStorage } = await dist('db/storage.js');
  const { createUserRepository } = await dist('repositories/user.repository.js');
  const { createAvatarRepository } = await dist('repositories/avatar.repository.js');
  const { createConversationRepository } = await dist('repositories/conversation.repository.js');
  const { createMessageRepository } = await dist('repositories/message.repository.js');
  const { createReplyFlushBatch } = await dist('repositories/reply-flush-batch.js');
  const storage = await openStorage(storageOptions);
  try {
    const owner = await createUserRepository(storage.db).create({
      email: 'f@example.org',
      passwordHash: 'x',
      name: 'F',
    });
    const avatar = await createAvatarRepository(storage.db).create({
      ownerId: owner.id,
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
    const conversation = await createConversationRepository(storage.db).create({
      ownerId: owner.id,
      avatarId: avatar.id,
    });
    const messages = createMessageRepository(storage.db);
    const ids = [];
    for (let i = 0; i < REPLIES; i++) {
      const row = await messages.insert({
        conversationId: conversation.id,
        ownerId: owner.id,
        parentId: null,
        role: 'assistant',
        status: 'streaming',
        writerId: 'bench',
      });
      ids.push(row.id);
    }
    // Each tick every reply has 25 more tokens (20 ms apart, 500 ms flush interval).
    const textAt = (tick) => Array.from({ length: 25 * (tick + 1) }, (_, i) => ` t${i}`).join('');
    const batch = createReplyFlushBatch({ db: storage.db, intervalMs: 60_000 });
    const perReply = [];
    const batched = [];
    for (let tick = 0; tick < ticks; tick++) {
      const text = textAt(tick);
      // Alternate, so both see the same table and text sizes.
      perReply.push(await measure(() => Promise.all(ids.map((id) => messages.flush(id, text)))));
      batched.push(
        await measure(async () => {
          const done = ids.map((id) => batch.flush(id, `${text} `));
          await batch.drain();
          await Promise.all(done);
        }),
      );
    }
    await batch.close();
    progress(`flush/${label}: done`);
    const figures = (runs) => ({
      cpuMsPerTick: summarize(runs.map((r) => r.cpuMs)),
      wallMsPerTick: summarize(runs.map((r) => r.wallMs)),
    });
    const a = figures(perReply);
    const b = figures(batched);
    return {
      replies: REPLIES,
      ticks,
      oneUpdatePerReply: a,
      oneStatementPerTick: b,
      cpuRatio: round(a.cpuMsPerTick.median / b.cpuMsPerTick.median, 1),
    };
  } finally {
    await storage.close();
  }
}

export async function benchFlush(options) {
  const ticks = options.quick ? 5 : 20;
  const dir = tempDir();
  let pglite;
  try {
    pglite = await runMode('pglite', { dataDir: dir }, ticks);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const postgres = await inPostgresMode(options, (dataDir, env) =>
    runMode('postgres', { dataDir, databaseUrl: env.DATABASE_URL }, ticks),
  );
  return {
    description: `${REPLIES} streaming replies, each 25 tokens longer per tick: the CPU (this process: Drizzle, the driver and, for PGlite, the database itself) and wall time to save all of them, one UPDATE per reply vs one statement for all (repositories/reply-flush-batch.ts)`,
    pglite,
    postgres,
  };
}

await runAsMain(import.meta.url, 'flush', benchFlush);
