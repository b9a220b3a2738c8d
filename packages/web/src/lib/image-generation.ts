import type { components } from '@lumina/sdk';
import { LuminaApiError } from '@lumina/sdk';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useRef } from 'react';
import { type Avatar, useAvatarCache } from './avatars';
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
  const lumina = useLuminaClient();
  const cache = useAvatarCache();
  const controller = useRef<AbortController | null>(null);
  const mutation = useMutation({
    mutationFn: async (prompt: string): Promise<Avatar> => {
      controller.current = new AbortController();
      const { data } = await lumina.POST('/api/avatars/{id}/image/generate', {
        params: { path: { id: avatarId } },
        body: prompt.trim() ? { prompt: prompt.trim() } : {},
        signal: controller.current.signal,
      });
      if (!data) throw new Error('The server answered without the avatar');
      return data.avatar;
    },
    onSuccess: (avatar) => cache.put(avatar),
    onSettled: () => {
      controller.current = null;
    },
  });
  return {
    ...mutation,
    cancel() {
      controller.current?.abort();
      mutation.reset();
    },
  };
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
