import path from 'node:path';
import { createLuminaClient, LuminaNetworkError } from '@lumina/sdk';
import {
  AppError,
  BackupError,
  backupDatabase,
  ConfigError,
  DataDirLockedError,
  downloadModel,
  finishRotation,
  installEngine,
  isEngineInstalled,
  loadConfig,
  MasterKeyError,
  openStorage,
  ProviderError,
  restoreDatabase,
  rotateSecrets,
  runServer,
  StorageError,
  VERSION,
} from '@lumina/server';
import { Command } from 'commander';

/** A server that is down or unhealthy, for `lumina status`. */
class StatusError extends Error {
  override name = 'StatusError';
}

/** Problems a user can fix: shown as one line, exit code 1, no stack trace. */
const USER_ERRORS = [
  ConfigError,
  StorageError,
  DataDirLockedError,
  BackupError,
  StatusError,
  LuminaNetworkError,
  MasterKeyError,
  AppError,
  ProviderError,
];

export interface ProgramIo {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  fetch?: typeof globalThis.fetch;
}

/**
 * The `lumina` command. Local commands (start, backup, restore) work on the data directory or
 * DATABASE_URL from the environment, like the server does.
 */
export function createProgram(
  io: ProgramIo = { env: process.env, out: (line) => console.log(line) },
): Command {
  const program = new Command('lumina')
    .description(
      'Lumina — local-first AI avatars. Configuration comes from environment variables (see README).',
    )
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run "lumina --help" for usage)');

  program
    .command('start')
    .description('start the server (PORT, HOST, LUMINA_DATA_DIR, DATABASE_URL, REDIS_URL …)')
    .action(async () => {
      await runServer(io.env);
    });

  program
    .command('backup')
    .description('write a consistent backup of the database to <file> (restorable into PGlite or PostgreSQL)')
    .argument('<file>', 'where to write the backup, e.g. lumina-2026-01-01.lumina-backup')
    .action(async (file: string) => {
      const summary = await withStorage(io.env, (storage) => backupDatabase(storage.db, file));
      io.out(`backup written to ${file}: ${describeCounts(summary.tables)} (schema ${summary.schema})`);
    });

  program
    .command('restore')
    .description('load a backup into the database (refuses a non-empty database unless --force)')
    .argument('<file>', 'a file written by "lumina backup"')
    .option('-f, --force', 'replace the data that is already there')
    .action(async (file: string, options: { force?: boolean }) => {
      const summary = await withStorage(io.env, (storage) =>
        restoreDatabase(storage.db, file, { force: options.force ?? false }),
      );
      io.out(`restored ${file} (made ${summary.createdAt}): ${describeCounts(summary.tables)}`);
    });
  program
    .command('secrets')
    .description('manage the master key that encrypts stored secrets (provider API keys …)')
    .command('rotate')
    .description('re-encrypt every secret with a new master key (stop the server first in embedded mode)')
    .option('-k, --key <hex>', 'use this new key (64 hex characters) instead of a random one')
    .option(
      '--finish',
      'after every instance runs with the new key: re-encrypt stragglers and retire old keys',
    )
    .action(async (options: { key?: string; finish?: boolean }) => {
      const config = loadConfig(io.env);
      const context = { dataDir: config.dataDir, secretKey: config.secretKey };
      if (options.key !== undefined && !/^[0-9a-fA-F]{64}$/.test(options.key)) {
        throw new StatusError('--key must be 64 hex characters (32 bytes), e.g. from: openssl rand -hex 32');
      }
      const result = await withStorage<{
        reencrypted: number;
        total: number;
        keyId: string;
        nextSteps: string[];
        newSecretKey?: string | undefined;
      }>(io.env, (storage) =>
        options.finish
          ? finishRotation({ db: storage.db, ...context })
          : rotateSecrets({
              db: storage.db,
              ...context,
              ...(options.key ? { newKey: Buffer.from(options.key, 'hex') } : {}),
            }),
      );
      io.out(`re-encrypted ${result.reencrypted} of ${result.total} secrets; current key id ${result.keyId}`);
      if ('newSecretKey' in result && result.newSecretKey)
        io.out(`new LUMINA_SECRET_KEY=${result.newSecretKey}`);
      for (const step of result.nextSteps) io.out(`- ${step}`);
    });

  const engine = program
    .command('engine')
    .description('the embedded llama.cpp engine (runs GGUF models in-process)');
  engine
    .command('install')
    .description('install the engine (CPU build, ~85 MB from the npm registry; nothing else is downloaded)')
    .action(async () => {
      const result = await installEngine({ onOutput: (line) => io.out(line) });
      io.out(`engine installed in ${result.engineDir} (${Math.round(result.durationMs / 1000)} s)`);
    });
  engine
    .command('status')
    .description('say whether the engine is installed')
    .action(async () => {
      io.out(
        (await isEngineInstalled())
          ? 'the embedded engine is installed'
          : 'the embedded engine is not installed: run "lumina engine install"',
      );
    });

  program
    .command('models')
    .description('GGUF models for the embedded engine, kept in <data dir>/models')
    .command('pull')
    .description('download a model with resume and checksum')
    .argument('<source>', 'an https://… .gguf URL or hf:owner/repo/file.gguf')
    .option('--sha256 <hex>', 'expected SHA-256 of the file')
    .action(async (source: string, options: { sha256?: string }) => {
      const config = loadConfig(io.env);
      let lastShown = 0;
      const model = await downloadModel({
        source,
        modelsDir: path.join(config.dataDir, 'models'),
        ...(options.sha256 ? { sha256: options.sha256 } : {}),
        onProgress: ({ receivedBytes, totalBytes, bytesPerSecond }) => {
          if (Date.now() - lastShown < 1000) return;
          lastShown = Date.now();
          io.out(describeProgress(receivedBytes, totalBytes, bytesPerSecond));
        },
      });
      io.out(
        `saved ${model.fileName} (${(model.sizeBytes / 1e6).toFixed(1)} MB, sha256 ${model.sha256})${model.resumed ? ', resumed' : ''}`,
      );
    });

  program
    .command('status')
    .description('ask a running server for its health')
    .option('-u, --url <url>', 'server URL', io.env.LUMINA_URL ?? 'http://127.0.0.1:8080')
    .action(async (options: { url: string }) => {
      const lumina = createLuminaClient({ baseUrl: options.url, fetch: io.fetch });
      const { data } = await lumina.GET('/health');
      if (!data) throw new StatusError(`no health report from ${options.url}`);
      io.out(`${options.url}: ${data.status} (version ${data.version}, up ${data.uptimeSeconds}s)`);
      const { database, redis, providers } = data.checks;
      const line = (
        name: string,
        check: { status: string; latencyMs: number | null; message?: string | null },
      ) =>
        `  ${name}: ${check.status}${check.latencyMs === null ? '' : ` in ${check.latencyMs} ms`}${check.message ? ` — ${check.message}` : ''}`;
      io.out(line(`database (${database.kind})`, database));
      if (redis) io.out(line('redis', redis));
      for (const [id, provider] of Object.entries(providers ?? {})) io.out(line(`provider ${id}`, provider));
      // Degraded still serves every request (Redis away, local fallbacks in use): exit 0, but say so.
      if (data.status === 'degraded') io.out(`${options.url} is degraded: it works on its local fallbacks`);
      else if (data.status !== 'ok') throw new StatusError(`${options.url} is not healthy`);
    });
  return program;
}

async function withStorage<T>(
  env: Record<string, string | undefined>,
  task: (storage: Awaited<ReturnType<typeof openStorage>>) => Promise<T>,
): Promise<T> {
  const config = loadConfig(env);
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await task(storage);
  } finally {
    await storage.close();
  }
}

/** `[#####-----] 42% 12.3/29.1 MB at 4.2 MB/s` */
export function describeProgress(received: number, total: number | null, bytesPerSecond: number): string {
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  const speed = `${mb(bytesPerSecond)} MB/s`;
  if (!total) return `${mb(received)} MB at ${speed}`;
  const fraction = Math.min(1, received / total);
  const bar = '#'.repeat(Math.round(fraction * 20)).padEnd(20, '-');
  return `[${bar}] ${Math.floor(fraction * 100)}% ${mb(received)}/${mb(total)} MB at ${speed}`;
}

function describeCounts(tables: Record<string, number>): string {
  return Object.entries(tables)
    .map(([table, count]) => `${count} ${table}`)
    .join(', ');
}

/** Runs the program; user errors become one line on stderr and exit code 1. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (err) {
    if (USER_ERRORS.some((type) => err instanceof type)) {
      console.error(`lumina: ${(err as Error).message}`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
