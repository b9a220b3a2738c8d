import type { AvatarRow } from '../db/schema/index.js';
import { AppError } from '../errors.js';
import {
  type ImageBackend,
  type ImageGenerator,
  imageGenerationErrors,
} from '../image-generation/image-generator.js';
import { characterDisplayName } from '../prompt/avatar-persona.js';
import { expandMacros } from '../prompt/macros.js';
import { isLocalHost } from '../providers/provider-spec.js';
import type { AvatarService } from './avatar.service.js';
import type { AvatarImageService } from './avatar-image.service.js';
import type { SettingsService } from './settings.service.js';

/** Services answer with full-size PNGs (1024² is ~1–3 MB); anything far beyond is refused. */
const MAX_GENERATED_BYTES = 25 * 1024 * 1024;
const PICTURE_SIZE = 512;
const MAX_PROMPT_CHARS = 2000;
const NEGATIVE_PROMPT = 'text, watermark, signature, blurry, deformed, extra limbs, cropped face';

export interface ImageGenerationStatus {
  available: boolean;
  backend: ImageBackend | null;
  /** Why it is not available: no service configured, or local-only mode and a cloud service. */
  reason: 'not_configured' | 'local_only' | null;
}

/**
 * Draws an avatar's picture with the configured image service, from a prompt or from the
 * avatar's description, and stores it through the same pipeline as uploads (checked by
 * content, cropped to 512×512, WebP). Slow by nature: bounded by a timeout, cancellable.
 */
export function createAvatarImageGenerationService(deps: {
  generator: ImageGenerator | undefined;
  timeoutMs: number;
  avatars: AvatarService;
  images: AvatarImageService;
  settings: Pick<SettingsService, 'isLocalOnly'>;
}) {
  const { generator } = deps;
  const cloud = generator ? !isLocalHost(new URL(generator.baseUrl).hostname) : false;

  async function status(userId: string): Promise<ImageGenerationStatus> {
    if (!generator) return { available: false, backend: null, reason: 'not_configured' };
    if (cloud && (await deps.settings.isLocalOnly(userId)))
      return { available: false, backend: generator.backend, reason: 'local_only' };
    return { available: true, backend: generator.backend, reason: null };
  }

  return {
    status,

    /** Generates, stores and sets the picture; the previous one is deleted. */
    async generate(
      user: { id: string; name: string; preferredName?: string | null },
      avatarId: string,
      input: { prompt?: string | undefined },
      signal?: AbortSignal,
    ): Promise<AvatarRow> {
      const avatar = await deps.avatars.getOwned(user.id, avatarId);
      const state = await status(user.id);
      if (!generator || state.reason === 'not_configured') throw imageGenerationErrors.notConfigured();
      if (state.reason === 'local_only') {
        throw new AppError(
          403,
          'local_only',
          'The image service is not on this machine or network, and local-only mode is on: nothing may leave this machine.',
        );
      }
      const timeout = AbortSignal.timeout(deps.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let bytes: Buffer;
      try {
        bytes = await generator.generate({
          prompt: input.prompt?.trim() || picturePrompt(avatar),
          negativePrompt: NEGATIVE_PROMPT,
          size: PICTURE_SIZE,
          signal: combined,
        });
      } catch (error) {
        if (timeout.aborted) throw imageGenerationErrors.timeout(generator.backend, deps.timeoutMs);
        if (signal?.aborted) throw imageGenerationErrors.cancelled();
        if (error instanceof AppError) throw error;
        // Socket errors name addresses and ports: the user reads only that it failed.
        throw imageGenerationErrors.failed(generator.backend, 'could not be reached');
      }
      let fileId: string;
      try {
        ({ fileId } = await deps.images.upload(user.id, bytes, { maxBytes: MAX_GENERATED_BYTES }));
      } catch (error) {
        // The service answered, but not with a picture Lumina can read: that is the service's fault.
        if (error instanceof AppError && error.status < 500)
          throw imageGenerationErrors.failed(
            generator.backend,
            `its answer was not a usable picture (${error.message})`,
          );
        throw error;
      }
      // Read again: the picture may have changed while the service was drawing (an upload, or
      // another generation), and that one is the picture this one replaces.
      const current = await deps.avatars.getOwned(user.id, avatar.id);
      const updated = await deps.avatars.update(user.id, avatar.id, { imageId: fileId });
      if (current.imageId) await deps.images.removeFile(user.id, current.imageId);
      return updated;
    },
  };
}

/**
 * What to draw when the person gives no prompt: a portrait of the avatar from its description
 * and traits (macros filled, so `{{char}}` becomes its name).
 * @example picturePrompt({ name: 'Sage', description: 'A Socratic tutor.', traits: ['patient'] })
 * // 'Portrait of Sage. A Socratic tutor. Patient. Square avatar picture, head and shoulders, …'
 */
export function picturePrompt(
  avatar: Pick<AvatarRow, 'name' | 'nickname' | 'description' | 'traits'>,
): string {
  const name = characterDisplayName({
    name: avatar.name,
    ...(avatar.nickname ? { nickname: avatar.nickname } : {}),
  });
  const description = expandMacros(avatar.description, { char: name, user: 'the viewer' }).trim();
  const traits = avatar.traits.map((trait) => trait.trim()).filter(Boolean);
  const parts = [
    `Portrait of ${name}.`,
    description && (/[.!?]$/.test(description) ? description : `${description}.`),
    traits.length ? `${capitalise(traits.slice(0, 6).join(', '))}.` : '',
    'Square avatar picture, head and shoulders, centered, expressive face, soft light, no text.',
  ];
  return parts.filter(Boolean).join(' ').slice(0, MAX_PROMPT_CHARS);
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export type AvatarImageGenerationService = ReturnType<typeof createAvatarImageGenerationService>;
