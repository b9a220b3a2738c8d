import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage, VERSION } from '@lumina/server';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectRedis } from '../../server/src/realtime/redis.js';
import { createUserRepository } from '../../server/src/repositories/user.repository.js';
import { fixturePath } from '../../server/src/test-support/fixtures.js';
import { PrivateRedis, privateRedisAvailable } from '../../server/src/test-support/redis-server.js';
import { createProgram } from './program.js';

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-cli-'));
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

/** Runs the CLI in-process; what it printed comes back, or rides on the error as `output`. */
async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const lines: string[] = [];
  const program = createProgram({ env: { LOG_LEVEL: 'silent', ...env }, out: (l) => lines.push(l) });
  program.exitOverride().configureOutput({ writeOut: (s) => lines.push(s), writeErr: (s) => lines.push(s) });
  try {
    await program.parseAsync(['node', 'lumina', ...args]);
  } catch (error) {
    throw Object.assign(error as Error, { output: lines.join('\n') });
  }
  return lines.join('\n');
}

function dataDir(name: string) {
  const dir = path.join(temp, name);
  fs.mkdirSync(dir);
  fs.cpSync(inject('pgliteTemplateDir'), path.join(dir, 'db'), { recursive: true });
  return dir;
}

describe('lumina', () => {
  it('prints its version', async () => {
    const exit = await run(['--version']).catch((e) => e);
    expect(exit.code).toBe('commander.version');
    expect(exit.output.trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lists its commands in --help', async () => {
    const error = await run(['--help']).catch((e) => e);
    expect(error.code).toBe('commander.helpDisplayed');
    expect(error.output).toMatch(/^Usage: lumina /);
    for (const command of ['start', 'backup', 'restore', 'secrets', 'engine', 'models', 'status']) {
      expect(error.output).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('backs up one data dir and restores into another', async () => {
    const source = dataDir('source');
    const storage = await openStorage({ dataDir: source });
    await createUserRepository(storage.db).create({
      email: 'ada@example.org',
      passwordHash: 'h',
      name: 'Ada',
    });
    await storage.close();

    const file = path.join(temp, 'backup.lumina-backup');
    expect(await run(['backup', file], { LUMINA_DATA_DIR: source })).toMatch(
      /^backup written to .*: 1 users, /,
    );

    const target = dataDir('target');
    expect(await run(['restore', file], { LUMINA_DATA_DIR: target })).toMatch(/^restored .*: 1 users/);
    await expect(run(['restore', file], { LUMINA_DATA_DIR: target })).rejects.toThrow(/--force/);
    expect(await run(['restore', '--force', file], { LUMINA_DATA_DIR: target })).toMatch(/^restored/);

    const restored = await openStorage({ dataDir: target });
    expect((await createUserRepository(restored.db).findByEmail('ADA@example.org'))?.name).toBe('Ada');
    await restored.close();
  });

  it('rotates the secrets key kept in the data dir', async () => {
    const dir = dataDir('secrets');
    const keyFile = path.join(dir, 'secret.key');
    const { loadMasterKey } = await import('../../server/src/security/master-key.js');
    const before = loadMasterKey({ secretKey: undefined, dataDir: dir }).keyring.current.id;
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const out = await run(['secrets', 'rotate'], { LUMINA_DATA_DIR: dir });
    expect(out).toMatch(/^re-encrypted 0 of 0 secrets; current key id [0-9a-f]{8}/);
    const after = loadMasterKey({ secretKey: undefined, dataDir: dir }).keyring.current.id;
    expect(after).not.toBe(before);
    await expect(run(['secrets', 'rotate', '--key', 'nothex'], { LUMINA_DATA_DIR: dir })).rejects.toThrow(
      /64 hex/,
    );
  });

  it('prints the health of a running server', async () => {
    const { buildApp, loadConfig } = await import('@lumina/server');
    const storage = await openStorage({ dataDir: dataDir('status') });
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), storage, serveWeb: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      const out = await run(['status', '--url', url]);
      expect(out).toMatch(new RegExp(`^${url}: ok \\(version \\d+\\.\\d+\\.\\d+, up \\d+s\\)`));
      expect(out).toMatch(/database \(pglite\): ok in [\d.]+ ms/);
    } finally {
      await app.close();
      await storage.close();
    }
  });

  it.runIf(privateRedisAvailable())(
    'says a degraded server works on its fallbacks and exits normally',
    async () => {
      const { buildApp, loadConfig } = await import('@lumina/server');
      const redisServer = await PrivateRedis.start();
      const redis = await connectRedis(redisServer.url);
      const storage = await openStorage({ dataDir: dataDir('status-degraded') });
      const config = loadConfig({ LOG_LEVEL: 'silent', REDIS_URL: redisServer.url });
      const app = await buildApp({ config, storage, redis, serveWeb: false });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      try {
        await redisServer.stop(); // Redis goes away: the server keeps serving on its local fallbacks
        const out = await run(['status', '--url', url]);
        expect(out).toMatch(new RegExp(`^${url}: degraded \\(version`));
        expect(out).toMatch(/redis: error/);
        expect(out).toContain(`${url} is degraded: it works on its local fallbacks`);
      } finally {
        await app.close();
        redis.disconnect();
        await storage.close();
      }
    },
  );

  it('pulls a GGUF model from a URL into the data dir, with its checksum', async () => {
    const http = await import('node:http');
    const model = fs.readFileSync(fixturePath('models', 'stories260K.gguf'));
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': model.length });
      res.end(model);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/stories260K.gguf`;
    const dir = dataDir('pull');
    try {
      const out = await run(['models', 'pull', url], { LUMINA_DATA_DIR: dir });
      expect(out).toContain(
        'saved stories260K.gguf (1.2 MB, sha256 270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d)',
      );
      expect(fs.existsSync(path.join(dir, 'models', 'stories260K.gguf'))).toBe(true);
      await expect(
        run(['models', 'pull', url.replace('stories', 'other'), '--sha256', '0'.repeat(64)], {
          LUMINA_DATA_DIR: dir,
        }),
      ).rejects.toThrow(/checksum|sha/i);
    } finally {
      server.close();
    }
  });

  it('draws download progress', async () => {
    const { describeProgress } = await import('./program.js');
    expect(describeProgress(5e6, 10e6, 2e6)).toBe('[##########----------] 50% 5.0/10.0 MB at 2.0 MB/s');
    expect(describeProgress(5e6, null, 2e6)).toBe('5.0 MB at 2.0 MB/s');
  });

  it('reports an unreachable server from status', async () => {
    const failure = await run(['status', '--url', 'http://127.0.0.1:1']).catch((e) => e);
    expect(failure).toMatchObject({ code: 'network_error' });
    expect(failure.message).toMatch(/^Cannot reach the Lumina server \(/);
    // Nothing is printed as if a health report had arrived.
    expect(failure.output).toBe('');
  });

  it('says whether the embedded engine is installed', async () => {
    // The test command installs the engine before the tests (scripts/ensure-test-engine.mjs).
    expect(await run(['engine', 'status'])).toBe('the embedded engine is installed');
  });
});
