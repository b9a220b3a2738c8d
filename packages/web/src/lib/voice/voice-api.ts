import type { LuminaClient } from '@lumina/sdk';
import { useQuery } from '@tanstack/react-query';
import { useLuminaClient } from '../lumina-client';

/** One speech engine on this server (GET /api/voice/engines; docs/voice.md). */
export interface VoiceEngine {
  id: string;
  kind: 'vad' | 'stt' | 'tts';
  family: string;
  label: string;
  remote: boolean;
  ready: boolean;
  code?: string;
  detail?: string;
}

export interface VoiceEngines {
  engines: VoiceEngine[];
  defaults: { vad: string | null; stt: string | null; tts: string | null };
}

export interface VoiceOption {
  id: string;
  label: string;
  language: string | null;
  gender: string | null;
}

export interface VoiceModel {
  id: string;
  kind: string;
  engine: string;
  label: string;
  sizeBytes: number;
  sha256: string;
  license: string;
  installed: boolean;
  /** Why it is not installed: model_missing, model_corrupt. */
  code?: string;
  detail?: string;
}

export interface SpeakRequest {
  text: string;
  avatarId?: string;
  engine?: string;
  voice?: string;
  rate?: number;
  pitch?: number;
}

/**
 * The voice routes through the SDK client (its CSRF header, error handling and, in tests, its
 * fetch). They are called by path until openapi.json describes them; the shapes above are
 * docs/voice.md's.
 */
interface VoiceRoutes {
  GET(path: string, init?: { signal?: AbortSignal }): Promise<{ data?: unknown }>;
  POST(
    path: string,
    init?: { body?: unknown; signal?: AbortSignal; parseAs?: 'arrayBuffer' | 'stream' },
  ): Promise<{ data?: unknown; response: Response }>;
}
const routes = (client: LuminaClient) => client as unknown as VoiceRoutes;

export const VOICE_ENGINES_KEY = ['voice', 'engines'] as const;
export const VOICE_MODELS_KEY = ['voice', 'models'] as const;

export function useVoiceEngines() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: VOICE_ENGINES_KEY,
    queryFn: async ({ signal }) =>
      (await routes(lumina).GET('/api/voice/engines', { signal })).data as VoiceEngines,
  });
}

/** The voices of a TTS engine; nothing is asked until an engine is chosen. */
export function useVoices(engineId: string | null) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: ['voice', 'voices', engineId],
    enabled: engineId !== null,
    queryFn: async ({ signal }) =>
      (
        (
          await routes(lumina).GET(`/api/voice/engines/${encodeURIComponent(engineId ?? '')}/voices`, {
            signal,
          })
        ).data as { voices: VoiceOption[] }
      ).voices,
  });
}

export function useVoiceModels() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: VOICE_MODELS_KEY,
    queryFn: async ({ signal }) =>
      ((await routes(lumina).GET('/api/voice/models', { signal })).data as { models: VoiceModel[] }).models,
  });
}

/** POST /api/voice/speak: the text in the avatar's (or the given) voice, as WAV bytes. */
export async function speak(
  client: LuminaClient,
  request: SpeakRequest,
  signal?: AbortSignal,
): Promise<ArrayBuffer> {
  const { data } = await routes(client).POST('/api/voice/speak', {
    body: request,
    signal,
    parseAs: 'arrayBuffer',
  });
  return data as ArrayBuffer;
}

/** Starts an admin model download; the answer is the SSE progress stream. */
export async function downloadVoiceModel(client: LuminaClient, id: string, signal: AbortSignal) {
  const { response } = await routes(client).POST(`/api/admin/voice/models/${encodeURIComponent(id)}`, {
    signal,
    parseAs: 'stream',
  });
  return response.body;
}
