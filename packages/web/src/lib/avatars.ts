import type { components, paths } from '@lumina/sdk';
import { LuminaApiError } from '@lumina/sdk';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { formatRelativeTime } from './format';
import { useLuminaClient } from './lumina-client';

export type Avatar = components['schemas']['Avatar'];
export type AvatarTemplate = components['schemas']['AvatarTemplate'];
export type AvatarStyle = Avatar['style'];
export type CustomSlider = AvatarStyle['custom'][number];
export type AvatarPatch = NonNullable<
  paths['/api/avatars/{id}']['patch']['requestBody']
>['content']['application/json'];
export type AvatarSort = 'recent' | 'name' | 'created';

/** The fields a person edits; everything else on an avatar is the server's. */
export const EDITABLE_FIELDS = [
  'name',
  'nickname',
  'description',
  'persona',
  'traits',
  'style',
  'backstory',
  'scenario',
  'greeting',
  'alternateGreetings',
  'exampleDialogue',
  'tags',
  'voice',
  'defaultModel',
  'fallbackModels',
  'memory',
  'generation',
  'visibility',
] as const satisfies readonly (keyof Avatar)[];

export type AvatarDraft = Pick<Avatar, (typeof EDITABLE_FIELDS)[number]>;

export function draftOf(avatar: Avatar): AvatarDraft {
  const draft = {} as Record<string, unknown>;
  for (const field of EDITABLE_FIELDS) draft[field] = structuredClone(avatar[field]);
  return draft as AvatarDraft;
}

/** Only the fields that differ, so a save sends what the person changed. */
export function changedFields(saved: AvatarDraft, draft: AvatarDraft): AvatarPatch {
  const patch: Record<string, unknown> = {};
  for (const field of EDITABLE_FIELDS) {
    if (JSON.stringify(saved[field]) !== JSON.stringify(draft[field])) patch[field] = draft[field];
  }
  return patch as AvatarPatch;
}

export type StyleSliderName = Exclude<keyof AvatarStyle, 'custom'>;

/** The six built-in sliders and what their ends mean (the same words the prompt compiler uses). */
export const STYLE_SLIDERS: readonly { name: StyleSliderName; label: string; low: string; high: string }[] = [
  { name: 'formality', label: 'Formality', low: 'casual', high: 'formal' },
  { name: 'verbosity', label: 'Verbosity', low: 'brief', high: 'detailed' },
  { name: 'warmth', label: 'Warmth', low: 'detached', high: 'warm' },
  { name: 'humor', label: 'Humor', low: 'serious', high: 'playful' },
  { name: 'directness', label: 'Directness', low: 'diplomatic', high: 'blunt' },
  { name: 'curiosity', label: 'Curiosity', low: 'incurious', high: 'inquisitive' },
];

/**
 * What a slider position means in words, for screen readers and the value badge:
 * 0–19 "very casual", 20–39 "casual", 40–59 "balanced", 60–79 "formal", 80–100 "very formal"
 * (the bands the prompt compiler turns into instructions).
 */
export function poleText(value: number, low: string, high: string): string {
  const lowWord = low.trim() || 'low';
  const highWord = high.trim() || 'high';
  if (value < 20) return `very ${lowWord}`;
  if (value < 40) return lowWord;
  if (value < 60) return 'balanced';
  if (value < 80) return highWord;
  return `very ${highWord}`;
}

export const EXPORT_FORMATS = [
  { format: 'png', label: 'PNG character card', hint: 'SillyTavern, Chub and most apps' },
  { format: 'json', label: 'JSON card', hint: 'Character Card V2 (V3 if imported so)' },
  { format: 'charx', label: 'CHARX package', hint: 'Card with its picture (V3)' },
  { format: 'xml', label: 'Lumina XML', hint: 'Readable, for editing by hand' },
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number]['format'];

export function exportUrl(avatarId: string, format: ExportFormat): string {
  return `/api/avatars/${encodeURIComponent(avatarId)}/export?format=${format}`;
}

/**
 * The avatar's lorebook as the API reports it (`lorebook: {entries}` or a count), or null when
 * it has none or the server does not say.
 */
export function lorebookEntryCount(avatar: Avatar): number | null {
  const raw = avatar as unknown as {
    lorebook?: { entries?: unknown[] | number; entryCount?: number } | null;
    lorebookEntries?: number;
  };
  if (typeof raw.lorebookEntries === 'number') return raw.lorebookEntries;
  const book = raw.lorebook;
  if (!book || typeof book !== 'object') return null;
  if (typeof book.entryCount === 'number') return book.entryCount;
  if (typeof book.entries === 'number') return book.entries;
  if (Array.isArray(book.entries)) return book.entries.length;
  return null;
}

export const AVATARS_QUERY_KEY = ['avatars'] as const;
export const avatarQueryKey = (id: string) => ['avatar', id] as const;
export const promptPreviewQueryKey = (id: string) => ['avatar', id, 'prompt-preview'] as const;

export function useAvatars(filters: { q?: string; tag?: string; sort?: AvatarSort } = {}) {
  const lumina = useLuminaClient();
  const query = {
    ...(filters.q ? { q: filters.q } : {}),
    ...(filters.tag ? { tag: filters.tag } : {}),
    sort: filters.sort ?? 'recent',
  };
  return useQuery({
    queryKey: [...AVATARS_QUERY_KEY, query],
    queryFn: async ({ signal }): Promise<Avatar[]> => {
      const { data } = await lumina.GET('/api/avatars', { params: { query }, signal });
      return data?.avatars ?? [];
    },
    placeholderData: keepPreviousData,
  });
}

export function useAvatar(id: string) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: avatarQueryKey(id),
    queryFn: async ({ signal }): Promise<Avatar> => {
      const { data } = await lumina.GET('/api/avatars/{id}', { params: { path: { id } }, signal });
      if (!data) throw new Error('The server answered without the avatar');
      return data.avatar;
    },
  });
}

export interface AvatarUsage {
  conversations: number;
  messages: number;
  lastUsedAt: string | null;
}

/** Conversations, messages and last use of each of the user's avatars, by avatar id. */
export function useAvatarStats() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: ['avatar-stats'],
    queryFn: async ({ signal }): Promise<Map<string, AvatarUsage>> => {
      const { data } = await lumina.GET('/api/avatar-stats', { signal });
      return new Map((data?.stats ?? []).map(({ avatarId, ...usage }) => [avatarId, usage]));
    },
    staleTime: 30_000,
  });
}

/** "3 chats · 41 messages · used 2 hours ago", or "No chats yet". */
export function describeUsage(usage: AvatarUsage | undefined, now = Date.now()): string {
  if (!usage || usage.conversations === 0) return 'No chats yet';
  const plural = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
  const parts = [plural(usage.conversations, 'chat'), plural(usage.messages, 'message')];
  if (usage.lastUsedAt) parts.push(`used ${formatRelativeTime(usage.lastUsedAt, now)}`);
  return parts.join(' · ');
}

export function useAvatarTemplates(enabled = true) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: ['avatar-templates'],
    queryFn: async ({ signal }): Promise<AvatarTemplate[]> => {
      const { data } = await lumina.GET('/api/avatar-templates', { signal });
      return data?.templates ?? [];
    },
    enabled,
    staleTime: 5 * 60_000,
  });
}

/** Keeps the list and the one-avatar cache in step after a change. */
export function useAvatarCache() {
  const queryClient = useQueryClient();
  return {
    put(avatar: Avatar) {
      queryClient.setQueryData(avatarQueryKey(avatar.id), avatar);
      void queryClient.invalidateQueries({ queryKey: AVATARS_QUERY_KEY });
    },
    remove(id: string) {
      queryClient.removeQueries({ queryKey: avatarQueryKey(id) });
      void queryClient.invalidateQueries({ queryKey: AVATARS_QUERY_KEY });
    },
    refreshList() {
      void queryClient.invalidateQueries({ queryKey: AVATARS_QUERY_KEY });
    },
  };
}

export type CreateAvatarBody = paths['/api/avatars']['post']['requestBody']['content']['application/json'];

export function useCreateAvatar() {
  const lumina = useLuminaClient();
  const cache = useAvatarCache();
  return useMutation({
    mutationFn: async (body: CreateAvatarBody): Promise<Avatar> => {
      const { data } = await lumina.POST('/api/avatars', { body });
      if (!data) throw new Error('The server answered without the avatar');
      return data.avatar;
    },
    onSuccess: (avatar) => cache.put(avatar),
  });
}

export function useDeleteAvatar() {
  const lumina = useLuminaClient();
  const cache = useAvatarCache();
  return useMutation({
    mutationFn: async (id: string) => {
      await lumina.DELETE('/api/avatars/{id}', { params: { path: { id } } });
      return id;
    },
    onSuccess: (id) => cache.remove(id),
  });
}

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** What is wrong with a picture before it is sent, or null when it may go. */
export function checkImageFile(file: Pick<File, 'type' | 'size'>): string | null {
  if (!(IMAGE_TYPES as readonly string[]).includes(file.type)) return 'Choose a PNG, JPEG or WebP picture.';
  if (file.size > MAX_IMAGE_BYTES) return 'That picture is larger than 5 MB. Choose a smaller one.';
  return null;
}

/** "1000000×40" from a picture error's details, or null when it does not say. */
function pictureSize(details: Record<string, unknown> | undefined): string | null {
  const width = Number(details?.width);
  const height = Number(details?.height);
  return width > 0 && height > 0 ? `${width.toLocaleString('en')}×${height.toLocaleString('en')}` : null;
}

/** Plain words for the avatar API's own error codes; null for codes it does not own. */
export function avatarErrorMessage(error: unknown): string | null {
  if (!(error instanceof LuminaApiError)) return null;
  switch (error.code) {
    case 'image_too_large':
      return 'That picture is larger than 5 MB. Choose a smaller one.';
    case 'image_unsupported':
      return 'That file isn’t a picture Lumina can use. Choose a PNG, JPEG or WebP picture.';
    case 'image_corrupt':
      return 'That picture looks damaged and can’t be read. Try saving it again, or choose another.';
    case 'image_dimensions_too_large': {
      const size = pictureSize(error.details);
      const maxSide = Number(error.details?.maxSide) || 8192;
      return `That picture is ${size ? `${size} pixels, ` : ''}too big to read: at most ${maxSide.toLocaleString('en')} pixels per side. Choose a smaller one.`;
    }
    case 'image_aspect_ratio_unsupported': {
      const size = pictureSize(error.details);
      const ratio = Number(error.details?.maxAspectRatio) || 20;
      return `That picture is ${size ? `${size} pixels, ` : ''}too long and narrow to crop into a square. Choose one whose long side is at most ${ratio} times its short side.`;
    }
    case 'image_too_many_frames':
      return 'That animated picture has too many frames. Choose a still picture.';
    case 'image_too_complex':
      return 'That picture took too long to read. Save it again at a smaller size, or choose another.';
    case 'avatar_not_found':
      return 'This avatar no longer exists. It may have been deleted.';
    case 'avatar_not_owned':
    case 'avatar_read_only':
      return 'This avatar belongs to someone else, so you can’t change it. Make a copy to edit it.';
    case 'no_model_configured':
      return 'No model is set up yet, so Lumina can’t write suggestions. Add one in Settings → Models.';
    case 'local_only':
      return 'Privacy mode keeps everything on this machine, and your default model isn’t local. Choose a local model in Settings → Models.';
    // Every other model-call failure (the model's answer, the provider, the connection to it)
    // has its words in friendlyMessage, the same everywhere in the app.
    default:
      return null;
  }
}

/**
 * Plain words for "From a link" (POST /api/avatars/{id}/image/url): what the server's fetch of
 * the link ran into, then the picture's own problems as for an upload. The server never passes
 * on what the other site said, so neither can this; a status number is all there is.
 */
export function pictureLinkErrorMessage(error: unknown): string | null {
  if (!(error instanceof LuminaApiError)) return null;
  switch (error.code) {
    case 'outbound_address_blocked':
      return 'That address is on a private network, which this server doesn’t fetch from. An administrator can allow it.';
    case 'outbound_url_refused':
    case 'invalid_request':
      return 'That link can’t be fetched. Use a full address that starts with http:// or https://, without a user name or password in it.';
    case 'outbound_response_too_large': {
      const limit = Number(error.details?.limitBytes);
      const megabytes = limit > 0 ? Math.round(limit / (1024 * 1024)) : 5;
      return `The picture is larger than ${megabytes} MB. Choose a smaller one.`;
    }
    case 'outbound_http_error': {
      const status = Number(error.details?.status);
      const said = status > 0 ? ` (it answered ${status})` : '';
      if (status === 404 || status === 410)
        return `There’s no picture at that link${said}. Check that the address is right.`;
      if (status === 401 || status === 403)
        return `That site wouldn’t hand over the picture${said}. It may only show it to people signed in there; download it and use Upload picture instead.`;
      if (status === 429) return `That site is turning requests away for now${said}. Try again later.`;
      if (status >= 500) return `That site had a problem sending the picture${said}. Try again later.`;
      return `That site answered with an error${said}. Check the link, or download the picture and upload it.`;
    }
    case 'outbound_unreachable':
      return 'The server couldn’t reach that site. Check the address, or try again later.';
    case 'outbound_timeout':
      return 'That site took too long to send the picture. Try again, or use another link.';
    case 'image_unsupported':
      return 'That link doesn’t lead to a PNG, JPEG or WebP picture. It may be the web page around it: open the picture on its own and copy that address.';
    default:
      return avatarErrorMessage(error);
  }
}
