import type { components } from '@lumina/sdk';
import { LuminaApiError } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useLuminaClient } from './lumina-client';
import { forgetDrafts } from './message-drafts';

export type User = components['schemas']['User'];

/** The query key of the signed-in user; `null` data means signed out. */
export const SESSION_QUERY_KEY = ['auth', 'me'] as const;
export const AUTH_CONFIG_QUERY_KEY = ['auth', 'config'] as const;

/** 401 codes that mean "the session this browser held has ended" (shown to the person). */
export const SESSION_ENDED_CODES = new Set(['session_expired', 'account_disabled']);

/**
 * Who is signed in: `data` is the user, or `null` when signed out (a 401 from /api/auth/me).
 * A session that the server revoked or let expire is an error (`session_expired`), which the
 * app-wide handler in app.tsx turns into "Your session ended. Sign in again.".
 */
export function useSession() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: SESSION_QUERY_KEY,
    queryFn: async ({ signal }): Promise<User | null> => {
      try {
        const { data } = await lumina.GET('/api/auth/me', { signal });
        return data?.user ?? null;
      } catch (error) {
        if (error instanceof LuminaApiError && error.status === 401 && !SESSION_ENDED_CODES.has(error.code))
          return null;
        throw error;
      }
    },
    staleTime: 30_000,
  });
}

/** Whether sign-up is open and whether this server still needs its first (admin) account. */
export function useAuthConfig() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: AUTH_CONFIG_QUERY_KEY,
    queryFn: async ({ signal }) => {
      const { data } = await lumina.GET('/api/auth/config', { signal });
      if (!data) throw new Error('The server answered /api/auth/config without a body');
      return data;
    },
  });
}

/** Signs out: the server revokes the session; every cached answer belonged to that user. */
export function useSignOut() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: async () => {
      try {
        await lumina.POST('/api/auth/logout');
      } catch (error) {
        // Already signed out on the server: the goal is reached.
        if (!(error instanceof LuminaApiError && error.status === 401)) throw error;
      }
    },
    onSuccess: async () => {
      // Unsent drafts stay through an expired session, not past a chosen sign-out (shared computers).
      const userId = queryClient.getQueryData<User | null>(SESSION_QUERY_KEY)?.id;
      if (userId) forgetDrafts(userId);
      // Leave the page first, so a protected page does not redirect with ?next= on the way out.
      await navigate('/login', { replace: true, state: { notice: 'signed_out' } });
      queryClient.clear();
      queryClient.setQueryData(SESSION_QUERY_KEY, null);
    },
  });
}

/** What avatars and greetings call the person: the preferred name, else the first name. */
export function callName(user: Pick<User, 'name' | 'preferredName'>): string {
  return user.preferredName?.trim() || user.name.trim().split(/\s+/)[0] || user.name;
}

/** Up to two initials for an avatar circle: "Ada Lovelace" -> "AL". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!] : words;
  return letters.map((w) => [...w][0]!.toUpperCase()).join('') || '?';
}
