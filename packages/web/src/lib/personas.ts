import type { components } from '@lumina/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { macroNames } from './greeting-macros';
import { useLuminaClient } from './lumina-client';
import { SETTINGS_QUERY_KEY, type SettingsAnswer, useUserSettings } from './models';
import type { User } from './session';

/** Who the user is in a conversation (kept in their settings; docs/conversations.md#personas). */
export type Persona = components['schemas']['UserPersona'];
/** A persona to save: without an id it is new (the server gives it one). */
export interface PersonaDraft {
  id?: string;
  name: string;
  description: string;
}

/** The server's limits (services/settings.service.ts). */
export const MAX_PERSONAS = 20;
export const PERSONA_NAME_MAX = 100;
export const PERSONA_DESCRIPTION_MAX = 5000;

/** The user's personas and default, from GET /api/settings (older servers send none). */
export function usePersonas() {
  const settings = useUserSettings();
  return {
    personas: settings.data?.settings.personas ?? [],
    defaultPersonaId: settings.data?.settings.defaultPersonaId ?? null,
    isPending: settings.isPending,
    error: settings.error,
  };
}

/**
 * Saves the whole persona list and/or the default. Only these fields are sent: the server keeps
 * the settings a PUT leaves out. The settings cache is updated from the answer.
 */
export function useSavePersonas() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (changes: {
      personas?: PersonaDraft[];
      defaultPersonaId?: string | null;
    }): Promise<SettingsAnswer> => {
      const { data } = await lumina.PUT('/api/settings', { body: changes });
      return data!;
    },
    onSuccess: (answer) => queryClient.setQueryData(SETTINGS_QUERY_KEY, answer),
  });
}

/** A conversation's "speak as my account" choice (the server's ACCOUNT_PERSONA). */
export const ACCOUNT_PERSONA = 'account';

/**
 * The persona a conversation speaks as, as the server decides: its choice, else (a deleted one,
 * or none) the default persona; `account` and no default mean the account (null).
 */
export function conversationPersona(
  chosen: string | null | undefined,
  personas: readonly Persona[],
  defaultPersonaId: string | null,
): Persona | null {
  if (chosen === ACCOUNT_PERSONA) return null;
  return (
    (chosen ? personas.find((p) => p.id === chosen) : undefined) ??
    personas.find((p) => p.id === defaultPersonaId) ??
    null
  );
}

/** Where a persona's picture is served (versioned by its file, so it is cached for good). */
export function personaPictureUrl(persona: Pick<Persona, 'id' | 'imageId'>): string | null {
  return persona.imageId ? `/api/settings/personas/${persona.id}/picture?v=${persona.imageId}` : null;
}

/** Sets (a File) or removes (null) a persona's picture; the settings cache follows the answer. */
export function usePersonaPicture() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ personaId, file }: { personaId: string; file: File | null }) => {
      const path = { path: { id: personaId } };
      const { data } = file
        ? await lumina.PUT('/api/settings/personas/{id}/picture', {
            params: path,
            body: file as never,
            bodySerializer: (body: unknown) => body as BodyInit,
            headers: { 'content-type': file.type },
          })
        : await lumina.DELETE('/api/settings/personas/{id}/picture', { params: path });
      return data!.settings;
    },
    onSuccess: (settings) =>
      queryClient.setQueryData<SettingsAnswer>(SETTINGS_QUERY_KEY, (answer) =>
        answer ? { ...answer, settings } : answer,
      ),
  });
}

/** The persona list with one entry added or replaced (by id), ready to save. */
export function withPersona(personas: readonly Persona[], draft: PersonaDraft): PersonaDraft[] {
  const entries: PersonaDraft[] = personas.map(({ id, name, description }) => ({ id, name, description }));
  if (!draft.id) return [...entries, draft];
  return entries.map((p) => (p.id === draft.id ? draft : p));
}

/**
 * The names a greeting is filled with, as the server fills them when it writes one: `{{char}}` the
 * avatar's nickname or name, `{{user}}` the default persona's name, else the person's own.
 */
export function useGreetingNames(
  avatar: { name: string; nickname: string | null },
  user: Pick<User, 'name' | 'preferredName'>,
): { char: string; user: string } {
  const { personas, defaultPersonaId } = usePersonas();
  const persona = personas.find((p) => p.id === defaultPersonaId);
  const names = macroNames(avatar, user);
  return persona ? { ...names, user: persona.name } : names;
}
