import path from 'node:path';
import v8 from 'node:v8';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { openStorage, type Storage, StorageError } from './db/storage.js';
import { RedisConnectError } from './realtime/redis.js';
import { loadMasterKey, MasterKeyError } from './security/master-key.js';

export interface RunningServer {
  app: FastifyInstance;
  storage: Storage;
  url: string;
  close(): Promise<void>;
}

/** Errors an operator can fix; they print as one line, without a stack trace. */
const OPERATOR_ERRORS = [ConfigError, StorageError, DataDirLockedError, RedisConnectError, MasterKeyError];

/**
 * The rest of the server, loaded while storage opens: importing the app (~0.8 s of CPU from the
 * bundle, ~1.6 s from per-file modules) overlaps PGlite's WASM compile, which V8 runs off the
 * main thread, and the reads of its files (docs/performance.md, issue 11 start-up).
 */
async function loadServerModules() {
  const [app, jobs, llama, ollama, redis, secretRepository, secretBox, secretService] = await Promise.all([
    import('./app.js'),
    import('./jobs/pg-boss-job-queue.js'),
    import('./providers/llama-cpp/llama-cpp-provider.js'),
    import('./providers/ollama-detect.js'),
    import('./realtime/redis.js'),
    import('./repositories/secret.repository.js'),
    import('./security/secret-box.js'),
    import('./services/secret.service.js'),
  ]);
  return {
    buildApp: app.buildApp,
    createPgBossJobQueue: jobs.createPgBossJobQueue,
    createLlamaCppProvider: llama.createLlamaCppProvider,
    detectOllama: ollama.detectOllama,
    connectRedis: redis.connectRedis,
    createSecretRepository: secretRepository.createSecretRepository,
    SecretBox: secretBox.SecretBox,
    createSecretService: secretService.createSecretService,
  };
}

/**
 * config -> storage (while the app's modules load) -> app -> listen, with graceful shutdown on
 * SIGINT/SIGTERM: stop accepting, let in-flight requests finish (up to
 * LUMINA_SHUTDOWN_TIMEOUT_MS), then close storage.
 */
export async function startServer(
  env: Record<string, string | undefined> = process.env,
): Promise<RunningServer> {
  const config = loadConfig(env);
  const started = performance.now();
  // The master key first: a key file readable by others stops start-up before anything opens.
  const masterKey = loadMasterKey({ secretKey: config.secretKey, dataDir: config.dataDir });
  const phases: Record<string, number> = {};
  const mark = (phase: string) => {
    phases[phase] = Math.round(performance.now() - started);
  };
  if (!config.databaseUrl) {
    // Embedded PGlite is a 9 MB WASM module. With V8's default dynamic tiering, the functions
    // start-up runs are compiled again by TurboFan on background threads: ~0.5 s more CPU while
    // /health cannot answer yet (both cores busy on a 2-core machine) and ~50 MB more resident
    // code for good. Liftoff's code answered PGlite statements within ~15 % of TurboFan's in
    // steady state (docs/performance.md, issue 11 start-up). Set before PGlite compiles.
    v8.setFlagsFromString('--liftoff-only');
  }
  const loading = loadServerModules();
  // Awaited once storage is open; a storage error is the one to report when both fail.
  loading.catch(() => {});
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.databasePoolMax,
    poolTimeoutMs: config.databasePoolTimeoutMs,
    pgliteSharedBuffers: config.pgliteSharedBuffers,
    pgliteThread: config.pgliteThread,
  });
  mark('storageMs');
  let modules: Awaited<typeof loading>;
  let redis: Redis | undefined;
  try {
    modules = await loading;
    mark('modulesMs');
    redis = config.redisUrl ? await modules.connectRedis(config.redisUrl) : undefined;
  } catch (err) {
    await storage.close();
    throw err;
  }
  const {
    buildApp,
    createPgBossJobQueue,
    createLlamaCppProvider,
    detectOllama,
    createSecretRepository,
    SecretBox,
    createSecretService,
  } = modules;
  const secrets = createSecretService({
    repository: createSecretRepository(storage.db),
    box: new SecretBox(masterKey.keyring),
  });
  const unreadable = await secrets.unknownKeyIds();
  // A newcomer running Ollama gets it without configuring anything.
  const detectedOllamaUrl =
    !config.providers.ollamaBaseUrl && config.providers.ollamaAutodetect ? await detectOllama() : undefined;
  const llama = createLlamaCppProvider({
    modelsDir: path.join(config.dataDir, 'models'),
    contextSize: config.llama.contextSize,
    threads: config.llama.threads,
    gpu: false,
  });
  // Durable background jobs on the same database (docs/architecture.md, "Background jobs").
  const jobs = createPgBossJobQueue({
    db: storage.db,
    log: { warn: (obj, msg) => app.log.warn(obj, msg) },
  });
  const app = await buildApp({
    config,
    storage,
    redis,
    secrets,
    detectedOllamaUrl,
    llamaCpp: () => llama,
    jobs,
  });
  app.addHook('onClose', async () => llama.close());
  mark('appMs');
  if (detectedOllamaUrl) app.log.info({ url: detectedOllamaUrl }, 'found a local Ollama');
  app.log.info(
    { keySource: masterKey.source, keyId: masterKey.keyring.current.id, created: masterKey.created },
    'secrets key loaded',
  );
  if (unreadable.length > 0) {
    app.log.warn(
      { keyIds: unreadable },
      'some stored secrets were encrypted with a key this server does not have (lost or wrong LUMINA_SECRET_KEY?); they cannot be read until the key is restored or they are entered again',
    );
  }
  const close = async () => {
    await app.close();
    // Jobs in flight get part of the shutdown time to finish; the rest are retried by any instance.
    await jobs.stop({ drainMs: Math.min(10_000, config.shutdownTimeoutMs / 2) });
    redis?.disconnect();
    await storage.close();
  };
  try {
    await jobs.start();
    mark('jobsMs');
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  app.log.info(
    {
      url,
      storage: storage.kind,
      location: storage.location,
      readyMs: Math.round(performance.now() - started),
      // ms since start-up began at which each step had finished (bench/startup.mjs reports them).
      phases,
    },
    `Lumina is ready at ${url}`,
  );
  return { app, storage, url, close };
}

/** Runs the server as the process's main job: exits 1 with one line when it cannot start. */
export async function runServer(env: Record<string, string | undefined> = process.env): Promise<void> {
  let server: RunningServer;
  try {
    server = await startServer(env);
  } catch (err) {
    const known =
      OPERATOR_ERRORS.some((type) => err instanceof type) ||
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    console.error(`lumina: ${known ? (err as Error).message : (err as Error).stack}`);
    process.exit(1);
  }
  const delay = loadConfig(env).shutdownTimeoutMs;
  closeWithGrace({ delay }, async ({ signal, err }) => {
    if (err) server.app.log.error({ err }, 'shutting down after an unexpected error');
    else server.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    await server.close();
  });
}
