import { useMutation } from '@tanstack/react-query';
import { useRef } from 'react';
import { type Avatar, useAvatarCache } from './avatars';
import { useLuminaClient } from './lumina-client';

type LuminaClient = ReturnType<typeof useLuminaClient>;

/**
 * A picture change the server works on for a while (drawing, downloading): the updated avatar
 * goes into the cache, and `cancel()` aborts the request, which also stops the server's work.
 * @example useAvatarPictureRequest((lumina, url: string, signal) => lumina.POST(…, { signal }))
 */
export function useAvatarPictureRequest<Input>(
  send: (lumina: LuminaClient, input: Input, signal: AbortSignal) => Promise<{ data?: { avatar: Avatar } }>,
) {
  const lumina = useLuminaClient();
  const cache = useAvatarCache();
  const controller = useRef<AbortController | null>(null);
  const mutation = useMutation({
    mutationFn: async (input: Input): Promise<Avatar> => {
      controller.current = new AbortController();
      const { data } = await send(lumina, input, controller.current.signal);
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
