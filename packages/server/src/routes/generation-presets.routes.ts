import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { generationSettingsSchema, presetNameSchema } from '../domain/generation-settings.js';
import { generationPresetDto, toGenerationPresetDto } from '../presenters/generation-preset.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import {
  type GenerationPresetService,
  MAX_PRESET_FILE_CHARS,
} from '../services/generation-preset.service.js';
import { errorResponses, idParams } from './schemas.js';

const presetResponse = z.object({ preset: generationPresetDto });

/** Named generation settings: yours only (another user's preset is a 404). */
export const generationPresetRoutes =
  (presets: GenerationPresetService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['presets'];

    app.get(
      '/api/presets',
      {
        schema: {
          tags,
          summary: 'Your generation presets, by name',
          response: { 200: z.object({ presets: z.array(generationPresetDto) }), ...errorResponses(401) },
        },
      },
      async (request) => ({
        presets: (await presets.list(requireIdentity(request).user.id)).map(toGenerationPresetDto),
      }),
    );

    app.post(
      '/api/presets',
      {
        schema: {
          tags,
          summary: 'Save generation settings as a named preset',
          body: z.object({ name: presetNameSchema, settings: generationSettingsSchema }),
          response: { 201: presetResponse, ...errorResponses(400, 401) },
        },
      },
      async (request, reply) => {
        const { name, settings } = request.body;
        const preset = await presets.create(requireIdentity(request).user.id, name, settings);
        return reply.status(201).send({ preset: toGenerationPresetDto(preset) });
      },
    );

    app.post(
      '/api/presets/import',
      {
        schema: {
          tags,
          summary: 'Import a SillyTavern preset file (text- or chat-completion) as a preset',
          description: `\`json\` is the file's text (at most ${MAX_PRESET_FILE_CHARS} characters, nested at most 16 levels). Sampling fields Lumina knows become settings (temp/temperature, top_p, top_k, min_p, rep_pen/repetition_penalty, freq_pen/frequency_penalty, presence_pen/presence_penalty, genamt/openai_max_tokens/max_length, stopping_strings/stop, seed); SillyTavern's "off" values (top_k 0, seed -1) stay unset. The answer lists the fields it ignored and those whose value it could not take.`,
          body: z.object({
            json: z.string().min(1).max(MAX_PRESET_FILE_CHARS),
            name: presetNameSchema.optional().describe('Else the name in the file, else "Imported preset"'),
          }),
          response: {
            201: z.object({
              preset: generationPresetDto,
              ignored: z.array(z.string()).describe('Fields Lumina has no setting for (first 200)'),
              invalid: z
                .array(z.object({ field: z.string(), reason: z.string() }))
                .describe('Fields Lumina knows whose value is out of range or of the wrong type'),
            }),
            ...errorResponses(400, 401),
          },
        },
      },
      async (request, reply) => {
        const result = await presets.importSillyTavern(requireIdentity(request).user.id, request.body);
        return reply.status(201).send({ ...result, preset: toGenerationPresetDto(result.preset) });
      },
    );

    app.get(
      '/api/presets/:id',
      {
        schema: {
          tags,
          summary: 'One of your presets',
          params: idParams,
          response: { 200: presetResponse, ...errorResponses(401, 404) },
        },
      },
      async (request) => ({
        preset: toGenerationPresetDto(await presets.get(requireIdentity(request).user.id, request.params.id)),
      }),
    );

    app.patch(
      '/api/presets/:id',
      {
        schema: {
          tags,
          summary: 'Rename a preset or replace its settings (avatars using it follow)',
          params: idParams,
          body: z.object({
            name: presetNameSchema.optional(),
            settings: generationSettingsSchema.optional(),
          }),
          response: { 200: presetResponse, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const { name, settings } = request.body;
        const preset = await presets.update(requireIdentity(request).user.id, request.params.id, {
          ...(name !== undefined ? { name } : {}),
          ...(settings !== undefined ? { settings } : {}),
        });
        return { preset: toGenerationPresetDto(preset) };
      },
    );

    app.delete(
      '/api/presets/:id',
      {
        schema: {
          tags,
          summary: 'Delete a preset; avatars using it keep its values as their own',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        await presets.remove(requireIdentity(request).user.id, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
