import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAdmin } from '../security/authenticate.js';
import type { VoiceNetworkEngineService } from '../services/voice-network-engine.service.js';
import { errorResponses, idParams } from './schemas.js';

const baseUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .max(500)
  .refine((url) => !new URL(url).username && !new URL(url).password, 'must not carry credentials')
  .describe('Up to `/v1`, e.g. http://127.0.0.1:8080/v1 or https://api.openai.com/v1');
const apiKey = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .describe('Sent as `Authorization: Bearer …`; stored encrypted');
const name = z.string().trim().min(1).max(100);
const model = z.string().trim().min(1).max(100).describe('Default whisper-1 (STT) or tts-1 (TTS)');
const voices = z
  .array(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a voice name (letters, digits, . _ -)'),
  )
  .max(50)
  .describe("TTS only: the service's voice names, the first is the default (default: OpenAI's)");

const useByDefaultText =
  'The default of its kind while it is ready (one per kind): STT for every call, TTS for avatars that name no engine';
const useByDefault = z.boolean().describe(useByDefaultText);

/**
 * Administrators' network voice engines (docs/voice.md, "Network engines"): OpenAI-compatible
 * transcription and speech endpoints, added to the voice engines of the instance at once.
 */
export const voiceNetworkEngineRoutes =
  (service: VoiceNetworkEngineService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['admin', 'voice'];

    // Named when the routes register, which keeps the components of openapi.json in a stable order.
    const engineDto = z
      .object({
        id: z.string().describe('Also the engine id an avatar’s voice stores'),
        kind: z.enum(['stt', 'tts']),
        name: z.string(),
        baseUrl: z.string(),
        model: z.string(),
        voices: z.array(z.string()),
        apiKey: z.enum(['set', 'not set']).describe('The key itself is never returned'),
        useByDefault: z.boolean().describe(useByDefaultText),
        remote: z.boolean().describe('Audio leaves this machine; refused in local-only mode'),
        ready: z.boolean(),
        code: z.string().optional().describe('Why not ready: engine_unreachable, local_only, …'),
        detail: z.string().optional(),
        createdAt: z.iso.datetime(),
        updatedAt: z.iso.datetime(),
      })
      .meta({ id: 'VoiceNetworkEngine' });

    app.get(
      '/api/admin/voice/network-engines',
      {
        schema: {
          tags,
          summary: 'The network voice engines (OpenAI-compatible endpoints) with their readiness',
          response: { 200: z.object({ engines: z.array(engineDto) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        requireAdmin(request);
        return { engines: await service.list() };
      },
    );

    app.post(
      '/api/admin/voice/network-engines',
      {
        schema: {
          tags,
          summary: 'Add an OpenAI-compatible transcription (stt) or speech (tts) endpoint',
          description:
            'Refused with 400 outbound_address_blocked when the URL is loopback or private and not in LUMINA_OUTBOUND_ALLOW.',
          body: z.object({
            kind: z.enum(['stt', 'tts']),
            name,
            baseUrl,
            apiKey: apiKey.nullish(),
            model: model.optional(),
            voices: voices.optional(),
            useByDefault: useByDefault.optional(),
          }),
          response: { 201: z.object({ engine: engineDto }), ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        return reply.status(201).send({ engine: await service.create(request.body) });
      },
    );

    app.patch(
      '/api/admin/voice/network-engines/:id',
      {
        schema: {
          tags,
          summary: 'Change a network voice engine (apiKey null removes the key)',
          params: idParams,
          body: z.object({
            name: name.optional(),
            baseUrl: baseUrl.optional(),
            apiKey: apiKey.nullish(),
            model: model.optional(),
            voices: voices.optional(),
            useByDefault: useByDefault.optional(),
          }),
          response: { 200: z.object({ engine: engineDto }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        requireAdmin(request);
        return { engine: await service.update(request.params.id, request.body) };
      },
    );

    app.delete(
      '/api/admin/voice/network-engines/:id',
      {
        schema: {
          tags,
          summary: 'Remove a network voice engine and its stored key',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        await service.remove(request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/admin/voice/network-engines/:id/check',
      {
        schema: {
          tags,
          summary: 'Test the connection: one real transcription or speech request now',
          params: idParams,
          response: {
            200: z.object({
              engine: engineDto,
              test: z.object({
                ready: z.boolean(),
                code: z
                  .string()
                  .optional()
                  .describe('stt_engine_failed, outbound_address_blocked, local_only, …'),
                detail: z.string().optional(),
                latencyMs: z.number().nullable(),
              }),
            }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => {
        requireAdmin(request);
        return service.check(request.params.id);
      },
    );
  };
