import type { components } from '@lumina/sdk';
import { LuminaApiError } from '@lumina/sdk';
import { useQuery } from '@tanstack/react-query';
import { useAvatarPictureRequest } from './avatar-picture-request';
import { useLuminaClient } from './lumina-client';

export type ImageGenerationStatus = components['schemas']['ImageGenerationStatus'];

export const IMAGE_BACKEND_LABELS: Record<NonNullable<ImageGenerationStatus['backend']>, string> = {
  openai: 'an OpenAI-compatible images API',
  automatic1111: 'Automatic1111',
  comfyui: 'ComfyUI',
};

/** Whether this server can draw pictures for this person (and if not, why). */
export function useImageGeneration() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: ['image-generation'],
    queryFn: async ({ signal }): Promise<ImageGenerationStatus> => {
      const { data } = await lumina.GET('/api/image-generation', { signal });
      if (!data) throw new Error('The server answered without the status');
      return data;
    },
    staleTime: 60_000,
  });
}

/**
 * Generates the avatar's picture; `cancel()` stops the request, which also stops the work at
 * the image service.
 */
export function useGeneratePicture(avatarId: string) {
  return useAvatarPictureRequest((lumina, prompt: string, signal) =>
    lumina.POST('/api/avatars/{id}/image/generate', {
      params: { path: { id: avatarId } },
      body: prompt.trim() ? { prompt: prompt.trim() } : {},
      signal,
    }),
  );
}

/** Plain words for picture generation errors; null for other codes. */
export function generationErrorMessage(error: unknown): string | null {
  if (!(error instanceof LuminaApiError)) return null;
  switch (error.code) {
    case 'image_generation_not_configured':
      return 'Picture generation isn’t set up on this server. An administrator can connect an image service.';
    case 'image_generation_failed':
      return `The image service couldn’t draw it. ${error.message.replace(/^The image service \([^)]*\) failed: /, 'It said: ')}`;
    case 'image_generation_timeout':
      return 'The image service took too long. Try again — the first picture after it starts can be slow.';
    case 'local_only':
      return 'Privacy mode keeps everything on this machine, and the image service isn’t local.';
    default:
      return null;
  }
}
