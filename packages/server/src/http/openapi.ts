import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { VERSION } from '../version.js';

/** The OpenAPI document is generated from the route schemas; `openapi.json` at the repo root is its snapshot. */
export async function registerOpenApi(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Lumina API',
        version: VERSION,
        description: 'The HTTP API of Lumina, the local-first AI avatar platform.',
      },
      servers: [],
      tags: [
        { name: 'service', description: 'Health, metrics and API documents' },
        { name: 'accounts', description: 'Sign-up, sign-in, sessions, profile and personal API tokens' },
        { name: 'admin', description: 'Administration: users and instance settings (admins only)' },
      ],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'lumina_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // staticCSP: the UI's own strict policy (with hashes of its inline scripts) for its pages.
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { deepLinking: true },
    staticCSP: true,
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
