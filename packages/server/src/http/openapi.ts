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
      tags: [{ name: 'service', description: 'Health, metrics and API documents' }],
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
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { deepLinking: true } });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
