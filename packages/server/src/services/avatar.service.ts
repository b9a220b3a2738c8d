import { type AvatarTemplate, DEFAULT_TEMPLATE_ID, findTemplate } from '../avatars/templates.js';
import type { Database } from '../db/database.js';
import type { AvatarRow } from '../db/schema/index.js';
import { type AvatarInput, NEUTRAL_STYLE } from '../domain/avatar.js';
import type { GenerationSettings } from '../domain/generation-settings.js';
import { notFound } from '../errors.js';
import { type AvatarListFilter, createAvatarRepository } from '../repositories/avatar.repository.js';
import { createGenerationPresetService } from './generation-preset.service.js';

export { type AvatarInput, NEUTRAL_STYLE };

/** Avatars: create (blank, from a template, from an import), edit, list, delete. */
export function createAvatarService(deps: { db: Database }) {
  const avatars = createAvatarRepository(deps.db);
  const presets = createGenerationPresetService(deps);

  /** `generation` as the API gives it, stored with its preset copied in (a turn reads no preset). */
  async function withGeneration<T extends { generation?: Record<string, unknown> | undefined }>(
    userId: string,
    input: T,
  ): Promise<T> {
    if (!input.generation) return input;
    const given = input.generation as { presetId?: string | null; settings?: GenerationSettings };
    const generation = await presets.avatarGeneration(userId, {
      presetId: given.presetId ?? null,
      settings: given.settings ?? {},
    });
    return { ...input, generation };
  }

  function fromTemplate(template: AvatarTemplate): AvatarInput {
    const { id, ...fields } = template;
    return { ...fields, source: `template:${id}` };
  }

  return {
    list: (userId: string, filter: AvatarListFilter) => avatars.list(userId, filter),

    async get(userId: string, id: string): Promise<AvatarRow> {
      const avatar = await avatars.findVisible(userId, id);
      if (!avatar) throw notFound('avatar');
      return avatar;
    },

    async getOwned(userId: string, id: string): Promise<AvatarRow> {
      const avatar = await avatars.findOwned(userId, id);
      if (!avatar) throw notFound('avatar');
      return avatar;
    },

    async create(userId: string, input: Partial<AvatarInput> & { name: string }): Promise<AvatarRow> {
      return avatars.create({
        style: NEUTRAL_STYLE,
        voice: { engine: null, voice: null, rate: 1, pitch: 1 },
        memory: { enabled: true, scope: 'private' },
        ...(await withGeneration(userId, input)),
        ownerId: userId,
      });
    },

    async createFromTemplate(userId: string, templateId: string): Promise<AvatarRow> {
      const template = findTemplate(templateId);
      if (!template) throw notFound('template');
      return avatars.create({ ...fromTemplate(template), ownerId: userId });
    },

    /** Every new user starts with Lumina, the default personal assistant. */
    async createDefaultFor(userId: string): Promise<void> {
      if ((await avatars.countOwned(userId)) === 0) {
        await avatars.create({ ...fromTemplate(findTemplate(DEFAULT_TEMPLATE_ID)!), ownerId: userId });
      }
    },

    async update(
      userId: string,
      id: string,
      changes: Partial<AvatarInput> & { imageId?: string | null },
    ): Promise<AvatarRow> {
      const updated = await avatars.update(userId, id, await withGeneration(userId, changes));
      if (!updated) throw notFound('avatar');
      return updated;
    },

    async remove(userId: string, id: string): Promise<void> {
      if (!(await avatars.delete(userId, id))) throw notFound('avatar');
    },

    markUsed: (id: string) => avatars.touch(id),
  };
}

export type AvatarService = ReturnType<typeof createAvatarService>;
