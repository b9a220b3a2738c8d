import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GENERATION_SETTING_KEYS } from '../domain/generation-settings.js';
import { sendServerSentEvents } from '../http/sse.js';
import { presentModelTest } from '../presenters/model-test-event.presenter.js';
import { modelTestEventSchema } from '../realtime/model-test-events.js';
import { requireIdentity } from '../security/authenticate.js';
import type { ModelService } from '../services/model.service.js';
import { errorResponses } from './schemas.js';

export const modelDto = z
  .object({
    id: z.string().describe('`<provider>/<model>`'),
    provider: z.string(),
    name: z.string(),
    contextWindow: z.number().int().nullable(),
    capabilities: z.object({
      tools: z.boolean(),
      vision: z.boolean(),
      json: z.boolean(),
      embeddings: z.boolean(),
    }),
    local: z.boolean(),
    settings: z
      .array(z.enum(GENERATION_SETTING_KEYS))
      .describe('The generation settings its provider takes; others are not sent (docs/providers.md)'),
  })
  .meta({ id: 'Model' });

/**
 * The 200 answer of `POST /api/models/test`, for the OpenAPI document. Never serialized by
 * Fastify: the route writes the stream itself (http/sse.ts).
 */
const modelTestStreamResponse = {
  200: {
    description:
      "The test as Server-Sent Events, one `ModelTestEvent` per event: `event:` is the event's `type`, `data:` the rest of it as JSON, `id:` its sequence number. The stream ends after `finish`.",
    content: { 'text/event-stream': { schema: modelTestEventSchema } },
  },
} as const;

export const modelRoutes =
  (models: ModelService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['models'];

    app.get(
      '/api/models',
      {
        schema: {
          tags,
          summary: 'Every model you can use, across providers (local-only mode lists local ones only)',
          response: {
            200: z.object({
              models: z.array(modelDto),
              defaultModel: z
                .object({
                  id: z.string(),
                  source: z
                    .enum(['user', 'instance', 'automatic'])
                    .describe('your setting, the instance’s (admin), or the first model available'),
                })
                .nullable()
                .describe('The model a conversation answers with when neither it nor its avatar names one'),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const list = await models.listModels(userId);
        return {
          models: list.map((model) => ({ ...model, settings: [...(model.settings ?? [])] })),
          defaultModel: await models.defaultModel(userId),
        };
      },
    );

    app.post(
      '/api/models/test',
      {
        schema: {
          tags,
          summary: 'Send one prompt to a model (or your default chain) and stream the reply as SSE parts',
          description:
            'Answers `text/event-stream`, one `ModelTestEvent` per event (docs/providers.md): the fallback progress (`attempt`, `failed`, `skipped`), then the reply as in a conversation (`model`, `text-delta`, `error`, `usage` with its cost, `finish` with the timings, always last).',
          body: z.object({
            prompt: z.string().trim().min(1).max(4000),
            model: z.string().min(3).max(300).optional(),
            maxOutputTokens: z.number().int().min(1).max(4096).default(256),
          }),
          response: { ...modelTestStreamResponse, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const { prompt, model, maxOutputTokens } = request.body;
        // Resolve the chain first, so "no model" and "local only" are plain HTTP errors.
        await models.chain(userId, model);
        await sendServerSentEvents(request, reply, (signal) =>
          presentModelTest(
            models.stream(userId, {
              messages: [{ role: 'user', content: prompt }],
              ...(model ? { model } : {}),
              maxOutputTokens,
              purpose: 'test',
              signal,
            }),
          ),
        );
      },
    );

    app.post(
      '/api/providers/:id/pull',
      {
        schema: {
          tags,
          summary:
            'Download a model into a provider that supports it (Ollama); progress as SSE `progress` events',
          params: z.object({ id: z.string().min(1).max(100) }),
          body: z.object({
            model: z
              .string()
              .trim()
              .min(1)
              .max(200)
              .regex(/^[\w.:/-]+$/, { message: 'must be a model name like llama3.2:1b' }),
          }),
          response: { ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const { id } = request.params;
        const cancel = new AbortController();
        const progress = models.pull(userId, id, request.body.model, cancel.signal);
        const first = await progress.next(); // errors before the download starts are plain HTTP errors
        await sendServerSentEvents(request, reply, async function* (clientGone) {
          clientGone.addEventListener('abort', () => cancel.abort(), { once: true });
          try {
            if (!first.done) yield { type: 'progress', ...first.value };
            for await (const step of progress) yield { type: 'progress', ...step };
            yield { type: 'done', model: request.body.model };
          } catch (err) {
            const e = err as { code?: string; message: string };
            yield { type: 'error', code: e.code ?? 'provider_unavailable', message: e.message };
          }
        });
      },
    );
  };
