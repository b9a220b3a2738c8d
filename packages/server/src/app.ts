import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from './config.js';
import type { Storage } from './db/storage.js';
import { registerErrorHandler, registerNotFoundHandler } from './http/error-handler.js';
import { registerMetrics } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { defaultWebDir, registerWebApp } from './http/web-app.js';
import { loggerOptions } from './logger.js';
import { healthRoutes } from './routes/health.routes.js';
import { createHealthService } from './services/health.service.js';

export interface AppDeps {
  config: Config;
  storage: Storage;
  redis?: Redis | undefined;
  /** Overrides the logger built from config (tests pass a stream to capture logs). */
  logger?: FastifyServerOptions['logger'];
  /** Serve the built web app (default true). */
  serveWeb?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Builds the Fastify app with every plugin and route, without listening. `main.ts` listens;
 * tests call `app.inject()` in-process.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, storage, redis } = deps;
  const app = Fastify({
    logger: deps.logger ?? loggerOptions(config),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Accept a caller's request id (from a proxy) when it is sane, else make a sortable one.
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : uuidv7();
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    return503OnClosing: true,
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
  registerMetrics(app);
  await registerOpenApi(app);

  const health = createHealthService({ storage, redis });
  await app.register(healthRoutes(health));

  const web = deps.serveWeb === false ? undefined : await registerWebApp(app, config.webDir ?? defaultWebDir);
  registerNotFoundHandler(app, web?.handleNavigation);
  return app;
}
