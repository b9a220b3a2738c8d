import type { components, LuminaClient } from '@lumina/sdk';
import { useQuery } from '@tanstack/react-query';
import { useLuminaClient } from '../lumina-client';

/** One speech engine on this server and whether it can run now (docs/voice.md). */
export type VoiceEngine = components['schemas']['VoiceEngine'];
/** A voice of a TTS engine. */
export type VoiceOption = components['schemas']['TtsVoice'];
/** A downloadable speech model (sherpa-onnx). */
export type VoiceModel = components['schemas']['VoiceModel'];

export interface SpeakRequest {
  text: string;
  avatarId?: string;
  engine?: string;
  voice?: string;
  rate?: number;
  pitch?: number;
}

export const VOICE_ENGINES_KEY = ['voice', 'engines'] as const;
export const VOICE_MODELS_KEY = ['voice', 'models'] as const;

export function useVoiceEngines() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: VOICE_ENGINES_KEY,
    queryFn: async ({ signal }) => (await lumina.GET('/api/voice/engines', { signal })).data!,
  });
}

export type VoiceEngines = NonNullable<ReturnType<typeof useVoiceEngines>['data']>;

/** The voices of a TTS engine; nothing is asked until an engine is chosen. */
export function useVoices(engineId: string | null) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: ['voice', 'voices', engineId],
    enabled: engineId !== null,
    queryFn: async ({ signal }) =>
      (
        await lumina.GET('/api/voice/engines/{id}/voices', {
          params: { path: { id: engineId ?? '' } },
          signal,
        })
      ).data!.voices,
  });
}

export function useVoiceModels() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: VOICE_MODELS_KEY,
    queryFn: async ({ signal }) => (await lumina.GET('/api/voice/models', { signal })).data!.models,
  });
}

/** POST /api/voice/speak: the text in the avatar's (or the given) voice, as WAV bytes. */
export async function speak(
  client: LuminaClient,
  request: SpeakRequest,
  signal?: AbortSignal,
): Promise<ArrayBuffer> {
  const { data } = await client.POST('/api/voice/speak', { body: request, signal, parseAs: 'arrayBuffer' });
  return data as ArrayBuffer;
}

/** Starts an admin model download; the answer is the SSE progress stream. */
export async function downloadVoiceModel(client: LuminaClient, id: string, signal: AbortSignal) {
  const { response } = await client.POST('/api/admin/voice/models/{id}', {
    params: { path: { id } },
    signal,
    parseAs: 'stream',
  });
  return response.body;
}
