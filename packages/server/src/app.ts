import { randomBytes } from 'node:crypto';
import path from 'node:path';
import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Storage } from './db/storage.js';
import { startTableMaintenance } from './db/table-maintenance.js';
import { notFound } from './errors.js';
import { answerFrameworkError, registerErrorHandler, registerNotFoundHandler } from './http/error-handler.js';
import { registerJsonBodyParser } from './http/json-body-parser.js';
import { registerMetrics } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { registerTextGuard } from './http/text-guard.js';
import { defaultWebDir, registerWebApp } from './http/web-app.js';
import { newId } from './ids.js';
import { createImageGenerator } from './image-generation/create-image-generator.js';
import { registerAttachmentPurgeJob } from './jobs/attachment-purge-job.js';
import { registerBackgroundJobs, registerReplyRecoveryJob } from './jobs/background-jobs.js';
import { registerIncognitoPurgeJob } from './jobs/incognito-purge-job.js';
import type { JobQueue } from './jobs/job-queue.js';
import { enqueueKnowledgeIndex, registerKnowledgeIndexJob } from './jobs/knowledge-index-job.js';
import { enqueueEmbedding, registerMemoryEmbedJob } from './jobs/memory-embed-job.js';
import { registerMemoryExtractJob } from './jobs/memory-extract-job.js';
import { createQuietGate } from './jobs/quiet-gate.js';
import { type LogOverrides, loggerOptions } from './logger.js';
import { createCorpusPresence } from './memory/corpus-presence.js';
import { createEmbedder } from './memory/embedder.js';
import { createMemoryRecall } from './memory/recall.js';
import { createOutboundClient, type HostLookup } from './net/outbound-client.js';
import { DOWNLOAD_LIMITS, IMAGE_SERVICE_LIMITS, PICTURE_IMPORT_LIMITS } from './net/outbound-limits.js';
import { createCircuitBreaker } from './providers/circuit-breaker.js';
import { createProviderFactory } from './providers/provider-factory.js';
import { createProviderRegistry } from './providers/provider-registry.js';
import { type ProviderSpec, systemProviderSpecs } from './providers/provider-spec.js';
import type { ModelProvider } from './providers/types.js';
import { createRedisReplyBus } from './realtime/redis-reply-bus.js';
import { createMemoryReplyBus } from './realtime/reply-bus.js';
import { createApiTokenRepository } from './repositories/api-token.repository.js';
import { createAttachmentRepository } from './repositories/attachment.repository.js';
import { createAvatarRepository } from './repositories/avatar.repository.js';
import { createConversationRepository } from './repositories/conversation.repository.js';
import { createEmbeddingRepository } from './repositories/embedding.repository.js';
import { createFileRepository } from './repositories/file.repository.js';
import { createKnowledgeRepository } from './repositories/knowledge.repository.js';
import { createMemoryRepository } from './repositories/memory.repository.js';
import { createMessageRepository } from './repositories/message.repository.js';
import { createMessageAttachmentRepository } from './repositories/message-attachment.repository.js';
import { createPasswordResetRepository } from './repositories/password-reset.repository.js';
import { createReplyFlushBatch } from './repositories/reply-flush-batch.js';
import { createSecretRepository } from './repositories/secret.repository.js';
import { createSessionRepository } from './repositories/session.repository.js';
import { createSettingsRepository } from './repositories/settings.repository.js';
import { createUsageRepository } from './repositories/usage.repository.js';
import { createUserRepository } from './repositories/user.repository.js';
import { createVoiceNetworkEngineRepository } from './repositories/voice-network-engine.repository.js';
import { adminJobRoutes } from './routes/admin-jobs.routes.js';
import { adminUserRoutes } from './routes/admin-users.routes.js';
import { apiTokenRoutes } from './routes/api-tokens.routes.js';
import { attachmentRoutes } from './routes/attachments.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { avatarDocumentRoutes } from './routes/avatar-documents.routes.js';
import { avatarLorebookRoutes } from './routes/avatar-lorebook.routes.js';
import { avatarPictureImportRoutes } from './routes/avatar-picture-import.routes.js';
import { avatarPromptRoutes } from './routes/avatar-prompt.routes.js';
import { avatarRoutes } from './routes/avatars.routes.js';
import { compareRoutes } from './routes/compare.routes.js';
import { compareEstimateRoutes } from './routes/compare-estimate.routes.js';
import { conversationContextRoutes } from './routes/conversation-context.routes.js';
import { conversationEventRoutes } from './routes/conversation-events.routes.js';
import { conversationParticipantRoutes } from './routes/conversation-participants.routes.js';
import { conversationTransferRoutes } from './routes/conversation-transfer.routes.js';
import { conversationRoutes } from './routes/conversations.routes.js';
import { conversationSocketRoutes } from './routes/conversations-socket.routes.js';
import { generationPresetRoutes } from './routes/generation-presets.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { imageGenerationRoutes } from './routes/image-generation.routes.js';
import { impersonateRoutes } from './routes/impersonate.routes.js';
import { localModelRoutes } from './routes/local-models.routes.js';
import { memoryRoutes } from './routes/memories.routes.js';
import { memoryEmbeddingRoutes } from './routes/memory-embedding.routes.js';
import { memoryRecallRoutes } from './routes/memory-recall.routes.js';
import { memorySettingsRoutes } from './routes/memory-settings.routes.js';
import { messageEditRoutes } from './routes/message-edit.routes.js';
import { messageRoutes } from './routes/messages.routes.js';
import { modelRoutes } from './routes/models.routes.js';
import { personaPictureRoutes } from './routes/persona-pictures.routes.js';
import { providerRoutes } from './routes/providers.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import { settingsRoutes } from './routes/settings.routes.js';
import { usageRoutes } from './routes/usage.routes.js';
import { voiceRoutes } from './routes/voice.routes.js';
import { voiceNetworkEngineRoutes } from './routes/voice-network-engines.routes.js';
import { type VoiceSocketDeps, voiceSocketRoutes } from './routes/voice-socket.routes.js';
import { createApiLimiter, registerApiRateLimit } from './security/api-rate-limit.js';
import { registerAuthentication } from './security/authenticate.js';
import { createLoginGuard } from './security/login-guard.js';
import { createLoginThrottle } from './security/login-throttle.js';
import { createPasswordHasher } from './security/password.js';
import { keyEntry, SecretBox } from './security/secret-box.js';
import { createSecurityStores } from './security/security-stores.js';
import { createApiTokenService } from './services/api-token.service.js';
import { createAttachmentService } from './services/attachment.service.js';
import { createAuthService } from './services/auth.service.js';
import { createAvatarService } from './services/avatar.service.js';
import { createAvatarImageService, MAX_IMAGE_BYTES } from './services/avatar-image.service.js';
import { createAvatarImageGenerationService } from './services/avatar-image-generation.service.js';
import { createAvatarLorebookService } from './services/avatar-lorebook.service.js';
import { createAvatarPictureImportService } from './services/avatar-picture-import.service.js';
import { createAvatarPromptService } from './services/avatar-prompt.service.js';
import { createAvatarSuggestionService } from './services/avatar-suggestion.service.js';
import { createAvatarTransferService } from './services/avatar-transfer.service.js';
import { createCompareEstimateService } from './services/compare-estimate.service.js';
import { createConversationService } from './services/conversation.service.js';
import { createConversationContextService } from './services/conversation-context.service.js';
import { createConversationEventsService } from './services/conversation-events.service.js';
import { createConversationTitleService } from './services/conversation-title.service.js';
import { createConversationTransferService } from './services/conversation-transfer.service.js';
import { createGenerationPresetService } from './services/generation-preset.service.js';
import { createHealthService } from './services/health.service.js';
import { createIdentityService } from './services/identity.service.js';
import { createImpersonateService } from './services/impersonate.service.js';
import { createKnowledgeService } from './services/knowledge.service.js';
import { createLocalModelService } from './services/local-model.service.js';
import { createMemoryService } from './services/memory.service.js';
import { createMemoryEmbeddingService } from './services/memory-embedding.service.js';
import { createMemorySettingsService } from './services/memory-settings.service.js';
import { createMessageEditService } from './services/message-edit.service.js';
import { createModelService } from './services/model.service.js';
import { createParticipantService } from './services/participant.service.js';
import { createProviderService } from './services/provider.service.js';
import { createReplyService } from './services/reply.service.js';
import { createReplyRecoveryService } from './services/reply-recovery.service.js';
import { createSearchService } from './services/search.service.js';
import { createSecretService, type SecretService } from './services/secret.service.js';
import { createSettingsService } from './services/settings.service.js';
import { queuedAfterReply } from './services/turns/after-reply.js';
import { createUsageReportService } from './services/usage-report.service.js';
import { createUserAdminService } from './services/user-admin.service.js';
import { createVoiceNetworkEngineService } from './services/voice-network-engine.service.js';
import { callEngines } from './voice/call-engines.js';
import { createVoiceEngines } from './voice/engines/registry.js';
import { createVoiceModels } from './voice/engines/sherpa-models.js';

export interface AppDeps {
  config: Config;
  storage: Storage;
  redis?: Redis | undefined;
  /**
   * Encrypts provider keys and other secrets at rest. main.ts builds it from the master key;
   * without it (tests that do not care), a throw-away key is used for this process only.
   */
  secrets?: SecretService | undefined;
  /** An Ollama found on its default port at start-up (main.ts looks), used as a system provider. */
  detectedOllamaUrl?: string | undefined;
  /** Builds the embedded llama.cpp provider (main.ts); listed once the engine or a model is present. */
  llamaCpp?: (() => ModelProvider) | undefined;
  /** Level and destination of the logs (tests pass a stream to capture them); redaction stays. */
  logger?: LogOverrides;
  /** Serve the built web app (default true). */
  serveWeb?: boolean;
  /**
   * The durable job queue (main.ts creates it, starts it after this and stops it on shutdown);
   * the background jobs are registered on it here. Without it (tests that do not exercise jobs),
   * titles and summaries run in-process, the dead-writer recovery sweep on this process's timer,
   * and the admin jobs API answers 503.
   */
  jobs?: JobQueue | undefined;
  /** Limits of /ws/voice calls (tests shorten them); the route's defaults otherwise (docs/voice.md). */
  voiceCalls?: Pick<VoiceSocketDeps, 'maxSessions' | 'idleTimeoutMs' | 'maxBufferedBytes'> | undefined;
  /** Replaces DNS for every outbound request (tests make a public-looking name reach a local server). */
  outboundLookup?: HostLookup | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

type ZodCompilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/**
 * Builds the Fastify app with every plugin and route, without listening. `main.ts` listens;
 * tests call `app.inject()` in-process.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, storage, redis } = deps;
  const app = Fastify({
    logger: loggerOptions(config, deps.logger),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Accept a caller's request id (from a proxy) when it is sane, else make a sortable one.
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newId();
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
    // Every route validates and serializes with zod (set below). Naming the same compilers here
    // keeps Fastify from loading ajv and fast-json-stringify at start-up, which it never uses
    // then (~0.3 s of CPU before /health could answer; docs/performance.md, issue 11).
    // (Fastify types these factories for ajv schemas; at run time a factory only has to return
    // the compiler, and these are the ones setValidatorCompiler/setSerializerCompiler install.)
    schemaController: {
      compilersFactory: {
        buildValidator: (() => validatorCompiler) as unknown as ZodCompilers['buildValidator'],
        buildSerializer: (() => serializerCompiler) as unknown as ZodCompilers['buildSerializer'],
      },
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // During shutdown, requests still in flight answer with `Connection: close`; otherwise their
  // keep-alive sockets outlive the response and close() waits for the whole shutdown timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  registerErrorHandler(app, config.bodyLimit);
  registerJsonBodyParser(app);
  registerTextGuard(app);
  registerMetrics(app, { token: config.metricsToken });
  const webDir = deps.serveWeb === false ? undefined : (config.webDir ?? defaultWebDir);
  await registerSecurityHeaders(app, webDir);
  await app.register(cookie);
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  await registerOpenApi(app);

  // Accounts: who is calling (session cookie or API token), and the limits on trying.
  const sessionTtlMs = config.sessionTtlDays * 24 * 60 * 60 * 1000;
  const stores = createSecurityStores(storage.db, redis);
  app.addHook('onClose', () => stores.close());
  const { epochs } = stores;
  const identities = createIdentityService({
    users: createUserRepository(storage.db),
    sessions: createSessionRepository(storage.db),
    apiTokens: createApiTokenRepository(storage.db),
    epochs,
    sessionTtlMs,
  });
  registerAuthentication(app, identities);
  const apiLimiter = createApiLimiter({ max: config.apiLimitPerMinute, store: stores.apiCounters });
  await registerApiRateLimit(app, {
    limiter: apiLimiter,
    keyFor: (request) => (request.identity ? `user:${request.identity.user.id}` : undefined),
  });
  const counters = stores.loginCounters;
  const guard = createLoginGuard({
    // Per (account, IP) at the limit, per IP at twice it (an office behind one address), per
    // account only from many IPs (docs/rate-limits.md).
    login: createLoginThrottle({
      store: counters,
      limitPerMinute: config.loginLimitPerMinute,
      ipLimitPerMinute: 2 * config.loginLimitPerMinute,
    }),
    signup: createLoginThrottle({
      store: counters,
      limitPerMinute: config.loginLimitPerMinute,
      scope: 'signup',
    }),
    reset: createLoginThrottle({
      store: counters,
      limitPerMinute: config.loginLimitPerMinute,
      scope: 'reset',
    }),
  });
  const invalidateUser = identities.invalidateUser;
  const avatarService = createAvatarService({ db: storage.db });
  const avatarImages = createAvatarImageService({ files: createFileRepository(storage.db) });
  const auth = createAuthService({
    repositories: {
      users: createUserRepository(storage.db),
      sessions: createSessionRepository(storage.db),
      settings: createSettingsRepository(storage.db),
      passwordResets: createPasswordResetRepository(storage.db),
    },
    hasher: createPasswordHasher(config.argon2),
    identities,
    sessionTtlMs,
    resetTtlMs: config.passwordResetTtlHours * 60 * 60 * 1000,
    onUserCreated: (userId) => avatarService.createDefaultFor(userId),
    // Signing out ends the incognito conversations of the account (docs/memory.md, "Incognito").
    onSignOut: (userId) => createConversationRepository(storage.db).deleteIncognito({ userId }),
  });

  // Models: the instance's providers (environment) and each user's own, behind one registry.
  // Every request a user (or the operator) aims at another server goes through this client.
  const outbound = createOutboundClient({
    allow: config.outbound.allow,
    ...(deps.outboundLookup ? { lookup: deps.outboundLookup } : {}),
  });
  app.addHook('onClose', () => outbound.close());
  const secrets =
    deps.secrets ??
    createSecretService({
      repository: createSecretRepository(storage.db),
      box: new SecretBox({ current: keyEntry(randomBytes(32)) }),
    });
  const settings = createSettingsService({ db: storage.db, systemLocalOnly: config.localOnly });
  const usage = createUsageRepository(storage.db);
  const breaker = createCircuitBreaker();
  const envSpecs = systemProviderSpecs(config, deps.detectedOllamaUrl);
  const llamaSpec: ProviderSpec = {
    id: 'llama-cpp',
    kind: 'llama-cpp',
    name: 'Embedded (llama.cpp)',
    scope: 'system',
    trusted: true,
  };
  let llamaListed = false;
  const systemSpecs = () => (llamaListed ? [...envSpecs, llamaSpec] : envSpecs);
  let providers: ReturnType<typeof createProviderService> | undefined;
  const registry = createProviderRegistry({
    factory: createProviderFactory(config, deps.llamaCpp ? { 'llama-cpp': deps.llamaCpp } : {}, outbound),
    systemSpecs,
    userSpecs: (userId) => providers!.specsFor(userId),
    isLocalOnly: (userId) => settings.isLocalOnly(userId),
    breaker,
  });
  const users = createUserRepository(storage.db);
  providers = createProviderService({
    db: storage.db,
    secrets,
    registry,
    outbound,
    isAdmin: async (userId) => (await users.findById(userId))?.role === 'admin',
  });
  const models = createModelService({ registry, settings, usage, breaker, log: app.log });
  const localModels = createLocalModelService({
    modelsDir: path.join(config.dataDir, 'models'),
    // Admin-only routes: the administrator's trust.
    fetch: outbound.fetch('trusted', DOWNLOAD_LIMITS),
    onChange: () => {
      registry.forget(llamaSpec.id);
      void refreshLlama();
    },
  });
  // The embedded engine appears once a GGUF model is in the models folder.
  const refreshLlama = async () => {
    if (!deps.llamaCpp) return;
    llamaListed = (await localModels.models()).length > 0; // no model, nothing to offer (Admin → Models shows the engine)
  };
  app.addHook('onReady', refreshLlama);
  // The instance's providers are probed in the background, so /health never waits on them.
  const probeSystem = () =>
    void registry.probeSystem().catch((err) => app.log.warn({ err }, 'provider probe failed'));
  const monitor = setInterval(probeSystem, 60_000).unref();
  app.addHook('onReady', async () => probeSystem());
  app.addHook('onClose', async () => clearInterval(monitor));

  const health = createHealthService({ storage, redis, providers: () => registry.systemHealth() });
  // Voice engine readiness in /health (docs/voice.md); the registry is created with the voice routes below.
  await app.register(healthRoutes(health, () => voiceEngines.list()));
  await app.register(authRoutes({ auth, guard, config }));
  await app.register(apiTokenRoutes(createApiTokenService({ db: storage.db, invalidateUser })));
  await app.register(
    adminUserRoutes(createUserAdminService({ db: storage.db, auth, invalidateUser, instance: settings })),
  );
  await app.register(adminJobRoutes(deps.jobs));
  await app.register(providerRoutes(providers));
  await app.register(modelRoutes(models));
  await app.register(generationPresetRoutes(createGenerationPresetService({ db: storage.db })));
  await app.register(
    settingsRoutes({
      settings,
      usage,
      images: avatarImages,
      limits: { maxMessageChars: config.chat.maxMessageChars },
    }),
  );
  await app.register(
    personaPictureRoutes({ settings, images: avatarImages, files: createFileRepository(storage.db) }),
  );
  // Memory (docs/memory.md): the user's memories and their memory settings.
  const memorySettings = createMemorySettingsService({
    settings,
    // A new embedding model: everything is embedded again with it, in the background.
    onEmbeddingModelChanged: (userId) =>
      enqueueEmbedding(deps.jobs, userId, { full: true }).catch((err: unknown) =>
        app.log.warn({ err, userId }, 'could not enqueue re-embedding after the embedding model changed'),
      ),
  });
  // Embeddings (docs/memory.md, "Embeddings"): vectors of the user's embedding model for recall.
  const embedder = createEmbedder({
    registry,
    settingsFor: memorySettings.memorySettingsFor,
    storedDimensions: createEmbeddingRepository(storage.db).storedDimensions,
    log: app.log,
  });
  if (deps.jobs) {
    registerMemoryEmbedJob(deps.jobs, {
      db: storage.db,
      embedder,
      settingsFor: memorySettings.memorySettingsFor,
      log: app.log,
    });
  }
  await app.register(
    memoryEmbeddingRoutes(createMemoryEmbeddingService({ db: storage.db, embedder, jobs: deps.jobs })),
  );
  await app.register(memorySettingsRoutes(memorySettings));
  await app.register(
    memoryRoutes(
      createMemoryService({
        db: storage.db,
        // A memory written or corrected by hand is embedded in the background like an extracted one.
        onTextWritten: (userId) =>
          enqueueEmbedding(deps.jobs, userId).catch((err: unknown) =>
            app.log.warn({ err, userId }, 'could not enqueue the embedding of a memory'),
          ),
      }),
    ),
  );
  // Recall (docs/memory.md, "Recall"): the memory section of each reply, and its endpoint.
  const knowledgeRows = createKnowledgeRepository(storage.db);
  const memoryRows = createMemoryRepository(storage.db);
  // An empty corpus is not searched (docs/memory.md, "Recall").
  const corpusPresence = createCorpusPresence(storage.db, {
    memories: (ownerId) => memoryRows.hasAny(ownerId),
    documents: (ownerId, avatarId) => knowledgeRows.hasChunks(ownerId, avatarId),
  });
  app.addHook('onClose', async () => corpusPresence.close());
  const memoryRecall = createMemoryRecall({
    db: storage.db,
    presence: corpusPresence,
    embedQuery: async (userId, text, signal) => {
      const query = await embedder.embedQuery(userId, text, signal);
      return query ? { model: query.model, values: query.vector } : null;
    },
    settingsFor: memorySettings.memorySettingsFor,
  });
  await app.register(memoryRecallRoutes(memoryRecall));
  const attachments = createAttachmentService({ attachments: createAttachmentRepository(storage.db) });
  await app.register(attachmentRoutes(attachments));
  if (deps.jobs) registerAttachmentPurgeJob(deps.jobs, attachments, app.log);
  if (deps.jobs) {
    registerIncognitoPurgeJob(
      deps.jobs,
      createConversationService({ db: storage.db }),
      config.chat.incognitoIdleMinutes,
      app.log,
    );
  }
  await app.register(usageRoutes(createUsageReportService({ db: storage.db })));
  await app.register(searchRoutes(createSearchService({ db: storage.db })));
  await app.register(
    conversationTransferRoutes(
      createConversationTransferService({
        db: storage.db,
        // Imported conversations are recalled like the others (older than the recent window).
        onImported: (userId) =>
          enqueueEmbedding(deps.jobs, userId, { full: true }).catch((err: unknown) =>
            app.log.warn({ err, userId }, 'could not enqueue the embedding of imported conversations'),
          ),
      }),
    ),
  );
  await app.register(localModelRoutes(localModels));
  await app.register(
    avatarRoutes({
      avatars: avatarService,
      images: avatarImages,
      transfer: createAvatarTransferService({ db: storage.db }),
      suggestions: createAvatarSuggestionService({ models }),
    }),
  );
  await app.register(avatarPromptRoutes(createAvatarPromptService({ avatars: avatarService })));
  await app.register(avatarLorebookRoutes(createAvatarLorebookService({ avatars: avatarService })));
  // Knowledge documents: indexed by the durable job, or in this process when there is no queue.
  const jobQueue = deps.jobs;
  const knowledge = createKnowledgeService({
    avatars: avatarService,
    knowledge: knowledgeRows,
    ...(jobQueue
      ? { queue: (userId, documentId) => enqueueKnowledgeIndex(jobQueue, userId, documentId) }
      : {}),
    log: app.log,
  });
  if (jobQueue) registerKnowledgeIndexJob(jobQueue, knowledge, app.log);
  app.addHook('preClose', () => knowledge.close());
  await app.register(avatarDocumentRoutes(knowledge));
  await app.register(
    avatarPictureImportRoutes(
      createAvatarPictureImportService({
        avatars: avatarService,
        images: avatarImages,
        fetch: outbound.fetch('untrusted', { ...PICTURE_IMPORT_LIMITS, maxResponseBytes: MAX_IMAGE_BYTES }),
      }),
    ),
  );
  await app.register(
    imageGenerationRoutes(
      createAvatarImageGenerationService({
        generator: createImageGenerator(
          config.imageGeneration,
          outbound.fetch('trusted', IMAGE_SERVICE_LIMITS), // the operator set its URL
        ),
        timeoutMs: config.imageGeneration?.timeoutMs ?? 0,
        avatars: avatarService,
        images: avatarImages,
        settings,
      }),
    ),
  );

  // Conversations: replies are written detached from requests and carried on the reply bus, so
  // any tab or instance can follow (and cancel) them; a dead writer's replies are recovered.
  const writerId = newId();
  const bus = redis ? createRedisReplyBus(redis) : createMemoryReplyBus();
  const conversations = createConversationService({ db: storage.db, settings });
  const conversationContext = createConversationContextService({
    db: storage.db,
    settings,
    models,
    config,
    log: app.log,
    jobs: deps.jobs,
    recall: memoryRecall,
  });
  app.addHook('preClose', () => conversationContext.close());
  const titles = createConversationTitleService({ models });
  if (deps.jobs) {
    registerBackgroundJobs(deps.jobs, {
      db: storage.db,
      context: conversationContext,
      titles,
      summaryTimeoutMs: config.chat.summaryTimeoutMs,
      // The reply's stream has ended by then: the title reaches the conversation's events stream.
      onTitle: (conversationId, replyId, title) => bus.announceTitle(conversationId, replyId, title),
    });
    // Memory extraction after each exchange (docs/memory.md, "Extraction"): queued by afterReply.
    const queue = deps.jobs;
    registerMemoryExtractJob(queue, {
      db: storage.db,
      models,
      memorySettings: memorySettings.memorySettingsFor,
      embedQuery: (userId, text) => embedder.embedQuery(userId, text),
      enqueueEmbedding: (userId) => enqueueEmbedding(queue, userId),
      // Yields to the replies people wait for: the worker fetches extraction jobs once no reply
      // of this process has been written for a moment, and never more than a few seconds late
      // (docs/memory.md, "Extraction"). On PGlite they share its one connection (0.5 s quiet, at
      // most 5 s); on PostgreSQL only this process's CPU (0.2 s, at most 1 s), so a steady stream
      // of replies does not cap extraction at a batch per 5 s.
      waitForQuiet: createQuietGate({
        busy: () => replies.inFlight(),
        ...(storage.kind === 'pglite'
          ? { quietMs: 500, maxWaitMs: 5_000 }
          : { quietMs: 200, maxWaitMs: 1_000 }),
      }).waitForQuiet,
      log: app.log,
    });
  }
  const messageRows = createMessageRepository(storage.db);
  // Every streaming reply's text in one UPDATE per tick, not one per reply (docs/performance.md).
  const flushBatch = createReplyFlushBatch({
    db: storage.db,
    intervalMs: config.chat.flushIntervalMs,
    onWriteFailed: (err, replies) => app.log.warn({ err, replies }, 'flush failed'),
  });
  const replies = createReplyService({
    flushBatch,
    repositories: {
      messages: messageRows,
      conversations: createConversationRepository(storage.db),
      avatars: createAvatarRepository(storage.db),
      usage,
      attachments: createMessageAttachmentRepository(storage.db),
    },
    config: config.chat,
    models,
    context: conversationContext,
    titles,
    bus,
    locks: storage.writerLocks,
    writerId,
    log: app.log,
    ...(deps.jobs
      ? {
          afterReply: queuedAfterReply({
            conversations: createConversationRepository(storage.db),
            jobs: deps.jobs,
            context: conversationContext,
            log: app.log,
          }),
        }
      : {}),
  });
  // Fresh planner statistics (PGlite has no autovacuum): db/table-maintenance.ts.
  const maintenance = startTableMaintenance({
    db: storage.db,
    kind: storage.kind,
    busy: () => replies.inFlight() > 0,
    log: app.log,
  });
  app.addHook('onClose', async () => maintenance.stop());
  const recovery = createReplyRecoveryService({
    messages: messageRows,
    locks: storage.writerLocks,
    writerId,
    isWriting: replies.isWriting,
    log: app.log,
    deadWritersOnQueue: deps.jobs !== undefined,
  });
  if (deps.jobs) registerReplyRecoveryJob(deps.jobs, recovery);
  app.addHook('onReady', () => recovery.start());
  app.addHook('preClose', async () => {
    await replies.close();
    await recovery.stop();
    await bus.close();
  });
  const chatDeps = { conversations, replies, continueOnDisconnect: config.chat.continueOnDisconnect };
  await app.register(conversationRoutes(chatDeps));
  await app.register(messageRoutes(chatDeps));
  await app.register(compareRoutes(chatDeps));
  await app.register(
    compareEstimateRoutes({
      estimates: createCompareEstimateService({
        messages: createMessageRepository(storage.db),
        attachments: createMessageAttachmentRepository(storage.db),
        context: conversationContext,
        prices: () => usage.cachedPrices(5000),
        config: config.chat,
      }),
    }),
  );
  const edits = createMessageEditService({ db: storage.db, config: config.chat, conversations });
  await app.register(messageEditRoutes({ edits }));
  await app.register(
    impersonateRoutes({
      impersonation: createImpersonateService({ db: storage.db, context: conversationContext, models }),
    }),
  );
  await app.register(conversationSocketRoutes({ replies, identities, epochs, limiter: apiLimiter }));
  // Voice calls (issue 14, docs/voice.md): a voice turn is a typed send; the avatar's voice answers.
  const voiceModels = createVoiceModels({
    dataDir: config.dataDir,
    fetch: outbound.fetch('trusted', DOWNLOAD_LIMITS), // admin-only downloads of catalog URLs
  });
  // LUMINA_LOCAL_ONLY, or the admin's run-time switch (read again before audio may leave).
  const voiceLocalOnly = async () => (await settings.instanceLocalOnly()).localOnly;
  const voiceEngines = createVoiceEngines({
    localOnly: config.localOnly,
    isLocalOnly: voiceLocalOnly,
    dataDir: config.dataDir,
    models: voiceModels,
  });
  app.addHook('preClose', () => voiceEngines.close());
  const voiceNetwork = createVoiceNetworkEngineService({
    repository: createVoiceNetworkEngineRepository(storage.db),
    secrets,
    engines: voiceEngines,
    outbound,
    isLocalOnly: voiceLocalOnly,
  });
  await voiceNetwork.start().catch((err) => app.log.error({ err }, 'network voice engines not loaded'));
  app.addHook('onClose', () => voiceNetwork.stop());
  await app.register(voiceNetworkEngineRoutes(voiceNetwork));
  await app.register(
    voiceRoutes({
      engines: voiceEngines,
      models: voiceModels,
      avatarVoice: async (userId, avatarId) => (await avatarService.get(userId, avatarId)).voice,
    }),
  );
  const voiceAvatars = createAvatarRepository(storage.db);
  await app.register(
    voiceSocketRoutes({
      replies,
      edits,
      identities,
      epochs,
      conversationVoice: async (userId, conversationId) => {
        const conversation = await conversations.get(userId, conversationId);
        const avatar = await voiceAvatars.findVisible(userId, conversation.avatarId);
        if (!avatar) throw notFound('avatar');
        return avatar.voice;
      },
      engines: (voice) => callEngines(voiceEngines, voice),
      endpointing: {
        endSilenceMs: config.voice.endSilenceMs,
        segmentSilenceMs: config.voice.segmentSilenceMs,
      },
      ...deps.voiceCalls,
    }),
  );
  await app.register(conversationContextRoutes(conversationContext));
  await app.register(
    conversationParticipantRoutes({ participants: createParticipantService({ db: storage.db }) }),
  );
  const conversationEvents = createConversationEventsService({
    getConversation: (userId, id) => conversations.get(userId, id),
    followReply: (userId, replyId, afterSeq, signal) => replies.follow(userId, replyId, afterSeq, signal),
    streamingReplies: (conversationId, limit) => messageRows.streamingInConversation(conversationId, limit),
    bus,
    log: app.log,
  });
  await app.register(conversationEventRoutes({ events: conversationEvents, identities, epochs }));

  const web = webDir ? await registerWebApp(app, webDir) : undefined;
  registerNotFoundHandler(app, web?.handleNavigation);
  return app;
}
