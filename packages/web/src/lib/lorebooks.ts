import type { components } from '@lumina/sdk';
import { LuminaApiError } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type Avatar, useAvatarCache } from './avatars';
import { useLuminaClient } from './lumina-client';

export type Lorebook = components['schemas']['Lorebook'];
export type LorebookEntry = components['schemas']['LorebookEntry'];
export type LorebookPosition = LorebookEntry['position'];
export type SelectiveLogic = LorebookEntry['selectiveLogic'];

/** Where an entry's text goes, in words (SillyTavern's eight places). */
export const POSITIONS: readonly { value: LorebookPosition; label: string }[] = [
  { value: 'before_char', label: 'Before the character description' },
  { value: 'after_char', label: 'After the character description' },
  { value: 'em_top', label: 'Before the example dialogue' },
  { value: 'em_bottom', label: 'After the example dialogue' },
  { value: 'at_depth', label: 'In the chat, a few messages back' },
  { value: 'an_top', label: 'Above the author’s note' },
  { value: 'an_bottom', label: 'Below the author’s note' },
  { value: 'outlet', label: 'Outlet (SillyTavern only)' },
];

/** How secondary keywords combine with the keyword that matched. */
export const LOGICS: readonly { value: SelectiveLogic; label: string }[] = [
  { value: 'and_any', label: 'At least one of them also appears' },
  { value: 'and_all', label: 'All of them also appear' },
  { value: 'not_any', label: 'None of them appears' },
  { value: 'not_all', label: 'Not all of them appear' },
];

export const positionLabel = (position: LorebookPosition) =>
  POSITIONS.find((p) => p.value === position)?.label ?? position;

/** SillyTavern's defaults for a new entry. */
export function newLorebookEntry(insertionOrder = 100): LorebookEntry {
  return {
    comment: '',
    keys: [],
    secondaryKeys: [],
    content: '',
    enabled: true,
    constant: false,
    selective: false,
    selectiveLogic: 'and_any',
    useRegex: false,
    caseSensitive: null,
    matchWholeWords: null,
    insertionOrder,
    position: 'before_char',
    depth: 4,
    scanDepth: null,
    probability: null,
    useProbability: false,
    group: '',
    excludeRecursion: false,
    preventRecursion: false,
    delayUntilRecursion: false,
    extensions: {},
    extra: {},
  };
}

export function emptyLorebook(): Lorebook {
  return {
    scanDepth: null,
    tokenBudget: null,
    recursiveScanning: null,
    extensions: {},
    extra: {},
    entries: [],
  };
}

/** What a person calls an entry: its title, else its first keywords. */
export function entryTitle(entry: Pick<LorebookEntry, 'comment' | 'keys' | 'name'>): string {
  const title = entry.comment.trim() || entry.name?.trim();
  if (title) return title;
  const keys = entry.keys.filter((key) => key.trim());
  return keys.length ? keys.slice(0, 3).join(', ') : 'Untitled entry';
}

const REGEX_LITERAL = /^\/([\s\S]+)\/([dgimsuvy]*)$/;

/**
 * The keys that are meant as regular expressions (`/pattern/flags`, or every key when
 * `useRegex`) but do not compile, so the editor can say so before saving.
 * @example invalidRegexKeys(['/wyrm(/', 'dragon'], false) // ['/wyrm(/']
 */
export function invalidRegexKeys(keys: readonly string[], useRegex: boolean): string[] {
  return keys.filter((key) => {
    const literal = REGEX_LITERAL.exec(key);
    const source = literal ? literal[1]! : useRegex ? key : undefined;
    if (source === undefined) return false;
    try {
      new RegExp(source, literal?.[2] ?? '');
      return false;
    } catch {
      return true;
    }
  });
}

/** A keyword being typed stays whole when it starts like a regular expression (its commas are its own). */
export const isRegexStart = (text: string) => text.trimStart().startsWith('/');

export const lorebookQueryKey = (avatarId: string) => ['avatar', avatarId, 'lorebook'] as const;

/** The avatar's lorebook document, when it has one. */
export function useLorebook(avatar: Pick<Avatar, 'id' | 'lorebook'>) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: lorebookQueryKey(avatar.id),
    queryFn: async ({ signal }): Promise<Lorebook> => {
      const { data } = await lumina.GET('/api/avatars/{id}/lorebook/document', {
        params: { path: { id: avatar.id } },
        signal,
      });
      if (!data) throw new Error('The server answered without the lorebook');
      return data.lorebook;
    },
    enabled: avatar.lorebook !== null,
  });
}

/** Saves the whole document (creating the lorebook when there is none). */
export function useSaveLorebook(avatarId: string) {
  const lumina = useLuminaClient();
  const cache = useAvatarCache();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (lorebook: Lorebook) => {
      const { data } = await lumina.PUT('/api/avatars/{id}/lorebook/document', {
        params: { path: { id: avatarId } },
        body: { lorebook },
      });
      if (!data) throw new Error('The server answered without the lorebook');
      return data;
    },
    onSuccess: ({ avatar, lorebook }) => {
      queryClient.setQueryData(lorebookQueryKey(avatarId), lorebook);
      cache.put(avatar);
    },
  });
}

/** Attaches a SillyTavern World Info file (already parsed JSON), replacing any lorebook. */
export function useAttachWorldInfo(avatarId: string) {
  const lumina = useLuminaClient();
  const cache = useAvatarCache();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (file: Record<string, unknown>) => {
      const { data } = await lumina.PUT('/api/avatars/{id}/lorebook', {
        params: { path: { id: avatarId } },
        body: file,
      });
      if (!data) throw new Error('The server answered without the avatar');
      return data;
    },
    onSuccess: ({ avatar }) => {
      cache.put(avatar);
      void queryClient.invalidateQueries({ queryKey: lorebookQueryKey(avatarId) });
    },
  });
}

export function useRemoveLorebook(avatarId: string) {
  const lumina = useLuminaClient();
  const cache = useAvatarCache();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const { data } = await lumina.DELETE('/api/avatars/{id}/lorebook', {
        params: { path: { id: avatarId } },
      });
      if (!data) throw new Error('The server answered without the avatar');
      return data.avatar;
    },
    onSuccess: (avatar) => {
      queryClient.removeQueries({ queryKey: lorebookQueryKey(avatarId) });
      cache.put(avatar);
    },
  });
}

export const worldInfoUrl = (avatarId: string) => `/api/avatars/${encodeURIComponent(avatarId)}/lorebook`;

/** Plain words for the lorebook errors; null for other codes. */
export function lorebookErrorMessage(error: unknown): string | null {
  if (!(error instanceof LuminaApiError)) return null;
  switch (error.code) {
    case 'lorebook_invalid':
      return `That file isn’t a World Info lorebook Lumina can read: ${error.message}. Export it again from SillyTavern (World Info → Export) and try once more.`;
    case 'lorebook_not_found':
      return 'This avatar has no lorebook any more. Reload the page to see its current state.';
    case 'payload_too_large':
      return 'That lorebook is larger than 10 MB.';
    default:
      return null;
  }
}
