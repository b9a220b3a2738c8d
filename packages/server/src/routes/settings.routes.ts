import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UsageRepository } from '../repositories/usage.repository.js';
import { requireAdmin, requireIdentity } from '../security/authenticate.js';
import type { AvatarImageService } from '../services/avatar-image.service.js';
import {
  type SettingsService,
  userSettingsPatchSchema,
  userSettingsSchema,
} from '../services/settings.service.js';
import { errorResponses } from './schemas.js';

const priceDto = z
  .object({
    pattern: z
      .string()
      .min(3)
      .max(300)
      .describe('A model id (`provider/model`) or a prefix ending in `*`, e.g. `openai/gpt-4o*`'),
    inputUsdPerMillion: z.number().min(0).max(100_000),
    outputUsdPerMillion: z.number().min(0).max(100_000),
  })
  .meta({ id: 'ModelPrice' });

const privacyDto = z
  .object({
    localOnly: z.boolean(),
    lockedByEnvironment: z
      .boolean()
      .describe('LUMINA_LOCAL_ONLY=true forces local-only; it cannot be turned off here'),
  })
  .meta({ id: 'InstancePrivacy' });

/** Limits the web app checks before it sends, so a person sees them while typing. */
const limitsDto = z
  .object({
    maxMessageChars: z
      .number()
      .int()
      .describe(
        'CHAT_MAX_MESSAGE_CHARS: the longest message accepted, counted in UTF-16 code units (JavaScript string length); longer ones get 400 `message_too_long`',
      ),
  })
  .meta({ id: 'InstanceLimits' });

const settingsAnswer = z.object({ settings: userSettingsSchema, instance: privacyDto, limits: limitsDto });

export const settingsRoutes =
  (deps: {
    settings: SettingsService;
    usage: UsageRepository;
    limits: z.infer<typeof limitsDto>;
    /** Deletes the pictures of personas a change removed. */
    images?: Pick<AvatarImageService, 'removeFile'>;
  }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/settings',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Your default model, fallback chain, privacy mode and personas, and the instance’s limits',
          response: {
            200: settingsAnswer,
            ...errorResponses(401),
          },
        },
      },
      async (request) => ({
        settings: await deps.settings.get(requireIdentity(request).user.id),
        instance: await deps.settings.instanceLocalOnly(),
        limits: deps.limits,
      }),
    );

    app.put(
      '/api/settings',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Change your settings (fields you leave out keep their value)',
          description:
            '`personas` replaces the whole list: entries with an `id` edit that persona, entries without one are new (the server gives the id), personas left out are deleted with their pictures (a deleted default persona leaves `defaultPersonaId` null; conversations that chose it fall back to the default). An unknown or repeated id, or a `defaultPersonaId` that is not one of your personas, is 400. At most 20 personas; name 1–100 characters, description up to 5,000.',
          body: userSettingsPatchSchema,
          response: {
            200: settingsAnswer,
            ...errorResponses(400, 401),
          },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const before = (await deps.settings.get(userId)).personas;
        const settings = await deps.settings.update(userId, request.body);
        const kept = new Set(settings.personas.map((p) => p.imageId));
        for (const { imageId } of before) {
          if (imageId && !kept.has(imageId)) await deps.images?.removeFile(userId, imageId);
        }
        return { settings, instance: await deps.settings.instanceLocalOnly(), limits: deps.limits };
      },
    );

    app.get(
      '/api/admin/privacy',
      {
        schema: {
          tags: ['admin'],
          summary: 'The instance-wide local-only switch',
          response: { 200: privacyDto, ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        requireAdmin(request);
        return deps.settings.instanceLocalOnly();
      },
    );

    app.put(
      '/api/admin/privacy',
      {
        schema: {
          tags: ['admin'],
          summary: 'Turn local-only mode on or off for everyone',
          body: z.object({ localOnly: z.boolean() }),
          response: { 200: privacyDto, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        requireAdmin(request);
        await deps.settings.setInstanceLocalOnly(request.body.localOnly);
        return deps.settings.instanceLocalOnly();
      },
    );

    app.get(
      '/api/admin/pricing',
      {
        schema: {
          tags: ['admin'],
          summary: 'Model prices used for cost (USD per million tokens)',
          response: { 200: z.object({ prices: z.array(priceDto) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        requireAdmin(request);
        const prices = await deps.usage.listPrices();
        return { prices: prices.map(({ updatedAt: _updatedAt, ...p }) => p) };
      },
    );

    app.put(
      '/api/admin/pricing',
      {
        schema: {
          tags: ['admin'],
          summary: 'Replace the price table',
          body: z.object({
            prices: z
              .array(priceDto)
              .max(1000)
              .refine((prices) => new Set(prices.map((p) => p.pattern)).size === prices.length, {
                message: 'each pattern may appear once',
              }),
          }),
          response: { 200: z.object({ prices: z.array(priceDto) }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        requireAdmin(request);
        await deps.usage.replacePrices(request.body.prices);
        return { prices: request.body.prices };
      },
    );
  };
