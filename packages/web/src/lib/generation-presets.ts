import type { components } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AVATARS_QUERY_KEY } from './avatars';
import { useLuminaClient } from './lumina-client';
import type { Model } from './models';

export type GenerationSettings = components['schemas']['GenerationSettings'];
export type GenerationSettingKey = Model['settings'][number];
export type GenerationPreset = components['schemas']['GenerationPreset'];

export const PRESETS_QUERY_KEY = ['presets'] as const;

/** One setting as the editors show it: its range, step and what it does. */
export interface SettingSpec {
  key: Exclude<GenerationSettingKey, 'stop'>;
  label: string;
  help: string;
  min: number;
  max: number;
  step: number;
  /** Typed in a number box instead of a slider (wide integer ranges). */
  input?: boolean;
}

/** Every numeric setting, in the server's order (`stop` is a list, edited on its own). */
export const SETTING_SPECS: readonly SettingSpec[] = [
  {
    key: 'temperature',
    label: 'Temperature',
    help: 'Higher is more varied, lower more focused.',
    min: 0,
    max: 2,
    step: 0.05,
  },
  {
    key: 'topP',
    label: 'Top-p',
    help: 'Samples from the likeliest words adding up to this share (1 = off).',
    min: 0,
    max: 1,
    step: 0.01,
  },
  { key: 'topK', label: 'Top-k', help: 'Samples from this many likeliest words.', min: 1, max: 200, step: 1 },
  {
    key: 'minP',
    label: 'Min-p',
    help: 'Drops words less likely than this share of the likeliest (0 = off).',
    min: 0,
    max: 1,
    step: 0.01,
  },
  {
    key: 'repetitionPenalty',
    label: 'Repetition penalty',
    help: 'Above 1 discourages repeating words (1 = off).',
    min: 0.5,
    max: 2,
    step: 0.01,
  },
  {
    key: 'frequencyPenalty',
    label: 'Frequency penalty',
    help: 'Discourages words the more often they were used.',
    min: -2,
    max: 2,
    step: 0.05,
  },
  {
    key: 'presencePenalty',
    label: 'Presence penalty',
    help: 'Discourages any word already used, nudging to new topics.',
    min: -2,
    max: 2,
    step: 0.05,
  },
  {
    key: 'maxTokens',
    label: 'Max reply tokens',
    help: 'The longest reply, in tokens.',
    min: 1,
    max: 131072,
    step: 1,
    input: true,
  },
  {
    key: 'seed',
    label: 'Seed',
    help: 'The same seed and settings give the same reply where the provider supports it.',
    min: 0,
    max: 4294967295,
    step: 1,
    input: true,
  },
];

export const MAX_STOP_STRINGS = 8;
export const MAX_STOP_STRING_CHARS = 200;

/** The settings without `key` (back to the provider's default, or the next level's value). */
export function withoutSetting(settings: GenerationSettings, key: GenerationSettingKey): GenerationSettings {
  const { [key]: _removed, ...rest } = settings;
  return rest;
}

/** The person's named presets. */
export function usePresets() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: PRESETS_QUERY_KEY,
    queryFn: async ({ signal }): Promise<GenerationPreset[]> => {
      const { data } = await lumina.GET('/api/presets', { signal });
      return data?.presets ?? [];
    },
  });
}

function usePresetMutation<T, R>(run: (lumina: ReturnType<typeof useLuminaClient>, input: T) => Promise<R>) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: T) => run(lumina, input),
    // Avatars carry a copy of their preset's values: refresh them too.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: PRESETS_QUERY_KEY }),
        queryClient.invalidateQueries({ queryKey: AVATARS_QUERY_KEY }),
        queryClient.invalidateQueries({ queryKey: ['avatar'] }),
      ]),
  });
}

export const useCreatePreset = () =>
  usePresetMutation(async (lumina, body: { name: string; settings: GenerationSettings }) => {
    const { data } = await lumina.POST('/api/presets', { body });
    return data!.preset;
  });

export const useUpdatePreset = () =>
  usePresetMutation(
    async (lumina, { id, ...body }: { id: string; name?: string; settings?: GenerationSettings }) => {
      const { data } = await lumina.PATCH('/api/presets/{id}', { params: { path: { id } }, body });
      return data!.preset;
    },
  );

export const useDeletePreset = () =>
  usePresetMutation(async (lumina, id: string) => {
    await lumina.DELETE('/api/presets/{id}', { params: { path: { id } } });
  });

/** Largest preset file the import reads (the server refuses more). */
export const MAX_PRESET_FILE_BYTES = 512 * 1024;

export function useImportPreset() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: { json: string; name?: string }) => {
      const { data } = await lumina.POST('/api/presets/import', { body });
      return data!;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: PRESETS_QUERY_KEY }),
  });
}
