import { AppError, invalidRequest, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { OutboundClient } from '../net/outbound-client.js';
import type { VoiceNetworkEngineRepository } from '../repositories/voice-network-engine.repository.js';
import { isLocalEndpoint } from '../voice/engines/network-endpoint.js';
import {
  type ConnectionTest,
  createNetworkEngine,
  NETWORK_ENGINE_DEFAULT_MODEL,
  NETWORK_ENGINE_DEFAULT_VOICES,
  NETWORK_VOICE_LIMITS,
  type NetworkEngineConfig,
  testNetworkEngine,
} from '../voice/engines/network-engines.js';
import type { VoiceEngines } from '../voice/engines/registry.js';
import type { SttEngine, TtsEngine } from '../voice/engines/types.js';
import type { SecretService } from './secret.service.js';

/** At most this many endpoints per instance. */
export const MAX_NETWORK_ENGINES = 20;
/** How often an instance reads the stored list to pick up another instance's change. */
const SYNC_INTERVAL_MS = 10_000;

export interface NetworkEngineInput {
  kind: 'stt' | 'tts';
  name: string;
  baseUrl: string;
  apiKey?: string | null | undefined;
  model?: string | undefined;
  voices?: string[] | undefined;
  useByDefault?: boolean | undefined;
}

export interface NetworkEngineChanges {
  name?: string | undefined;
  baseUrl?: string | undefined;
  /** A new key; null removes the stored one; undefined keeps it. */
  apiKey?: string | null | undefined;
  model?: string | undefined;
  voices?: string[] | undefined;
  useByDefault?: boolean | undefined;
}

export interface NetworkEngineView {
  id: string;
  kind: 'stt' | 'tts';
  name: string;
  baseUrl: string;
  model: string;
  voices: string[];
  /** Never the key itself. */
  apiKey: 'set' | 'not set';
  useByDefault: boolean;
  remote: boolean;
  ready: boolean;
  code?: string;
  detail?: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * The network voice endpoints an administrator configures (docs/voice.md, "Network engines"):
 * stored as one instance setting, API keys encrypted as system secrets, and every change put
 * into the voice engine registry at once (other instances read it within 10 s).
 */
export function createVoiceNetworkEngineService(deps: {
  repository: VoiceNetworkEngineRepository;
  secrets: SecretService;
  engines: VoiceEngines;
  outbound: Pick<OutboundClient, 'assertAllowed' | 'fetch'>;
  /**
   * Local-only mode now (LUMINA_LOCAL_ONLY or the admin's run-time switch): asked before every
   * request to a remote endpoint, so a call already running stops sending the moment it is on.
   */
  isLocalOnly: () => Promise<boolean>;
}) {
  const outboundFetch = deps.outbound.fetch('untrusted', NETWORK_VOICE_LIMITS);
  const refusal = () =>
    Object.assign(new Error('Refused in local-only mode: audio would leave this machine'), {
      code: 'local_only',
    });
  const localOnlyNow = () => deps.isLocalOnly().then(Boolean, () => true);
  /** A remote endpoint's requests are refused (`local_only`) while local-only mode is on. */
  const guardedFetch: typeof fetch = async (input, init) => {
    if (await localOnlyNow()) throw refusal();
    return outboundFetch(input, init);
  };
  const fetchFor = (config: NetworkEngineConfig) =>
    isLocalEndpoint(config.baseUrl) ? outboundFetch : guardedFetch;
  const purpose = (id: string) => `voice-engine:${id}`;
  let loaded: string | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function engineFor(config: NetworkEngineConfig): Promise<SttEngine | TtsEngine> {
    const fetch = fetchFor(config);
    if (!config.secretId) return createNetworkEngine(config, { fetch });
    try {
      const apiKey = await deps.secrets.reveal(null, config.secretId);
      return createNetworkEngine(config, { fetch, apiKey });
    } catch (err) {
      // A key that no longer opens (a lost master key) leaves the engine listed and not ready.
      const code = err instanceof AppError ? err.code : 'secret_decrypt_failed';
      const engine = createNetworkEngine(config, { fetch });
      return {
        ...engine,
        readiness: async () => ({
          ready: false,
          code,
          detail: 'The stored API key cannot be read; set it again',
        }),
      } as SttEngine | TtsEngine;
    }
  }

  /**
   * Puts the stored list into the registry (when it changed, or always with `force`). The swap
   * is immediate; with `probe: false` the readiness probes finish in the background (start-up
   * does not wait for a slow endpoint).
   */
  async function sync(list?: NetworkEngineConfig[], force = false, probe = true): Promise<void> {
    const current = list ?? (await deps.repository.list());
    const version = JSON.stringify(current);
    if (!force && version === loaded) return;
    loaded = version;
    const preferred = current.filter((c) => c.useByDefault).map((c) => c.id);
    const checked = deps.engines.replaceNetwork(await Promise.all(current.map(engineFor)), { preferred });
    if (probe) await checked;
    else checked.catch(() => {});
  }

  async function views(list: NetworkEngineConfig[]): Promise<NetworkEngineView[]> {
    const listed = new Map((await deps.engines.list()).map((e) => [e.id, e]));
    return list.map((config) => {
      const engine = listed.get(config.id);
      return {
        id: config.id,
        kind: config.kind,
        name: config.name,
        baseUrl: config.baseUrl,
        model: config.model,
        voices: config.voices,
        apiKey: config.secretId ? 'set' : 'not set',
        useByDefault: config.useByDefault === true,
        remote: !isLocalEndpoint(config.baseUrl),
        ready: engine?.ready ?? false,
        ...(engine?.code ? { code: engine.code } : {}),
        ...(engine?.detail ? { detail: engine.detail } : {}),
        createdAt: config.createdAt,
        updatedAt: config.updatedAt,
      };
    });
  }

  async function viewOf(id: string): Promise<NetworkEngineView> {
    const found = (await views(await deps.repository.list())).find((v) => v.id === id);
    if (!found) throw notFound('voice_network_engine');
    return found;
  }

  async function find(id: string): Promise<NetworkEngineConfig> {
    const config = (await deps.repository.list()).find((c) => c.id === id);
    if (!config) throw notFound('voice_network_engine');
    return config;
  }

  /** One default per kind: `chosen` being the default clears the others of its kind. */
  function onlyDefault(list: NetworkEngineConfig[], chosen: NetworkEngineConfig): NetworkEngineConfig[] {
    if (!chosen.useByDefault) return list;
    return list.map((c) =>
      c.id !== chosen.id && c.kind === chosen.kind && c.useByDefault ? { ...c, useByDefault: false } : c,
    );
  }

  function voicesFor(kind: 'stt' | 'tts', voices: string[] | undefined): string[] {
    if (kind === 'stt') {
      if (voices && voices.length > 0) throw invalidRequest('voices: a transcription endpoint has no voices');
      return [];
    }
    const chosen = voices ?? [...NETWORK_ENGINE_DEFAULT_VOICES];
    if (chosen.length === 0) throw invalidRequest('voices: a speech endpoint needs at least one voice');
    if (new Set(chosen).size !== chosen.length) throw invalidRequest('voices: each name may appear once');
    return chosen;
  }

  return {
    /** Loads the stored endpoints into the registry and keeps following changes. */
    async start(): Promise<void> {
      timer = setInterval(() => void sync(undefined, false, false).catch(() => {}), SYNC_INTERVAL_MS);
      timer.unref();
      await sync(undefined, false, false);
    },

    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },

    async list(): Promise<NetworkEngineView[]> {
      const list = await deps.repository.list();
      await sync(list);
      return views(list);
    },

    async create(input: NetworkEngineInput): Promise<NetworkEngineView> {
      const voices = voicesFor(input.kind, input.voices);
      await deps.outbound.assertAllowed(input.baseUrl, 'untrusted');
      const id = newId();
      const secretId = input.apiKey ? (await deps.secrets.store(null, purpose(id), input.apiKey)).id : null;
      const now = new Date().toISOString();
      const config: NetworkEngineConfig = {
        id,
        kind: input.kind,
        name: input.name,
        baseUrl: input.baseUrl.replace(/\/+$/, ''),
        model: input.model ?? NETWORK_ENGINE_DEFAULT_MODEL[input.kind],
        voices,
        secretId,
        useByDefault: input.useByDefault === true,
        createdAt: now,
        updatedAt: now,
      };
      try {
        const stored = await deps.repository.change((list) => {
          if (list.length >= MAX_NETWORK_ENGINES)
            throw new AppError(
              409,
              'voice_network_engine_limit',
              `An instance keeps at most ${MAX_NETWORK_ENGINES} network voice engines`,
            );
          return onlyDefault([...list, config], config);
        });
        await sync(stored);
      } catch (err) {
        if (secretId) await deps.secrets.remove(null, secretId).catch(() => {});
        throw err;
      }
      return viewOf(id);
    },

    async update(id: string, changes: NetworkEngineChanges): Promise<NetworkEngineView> {
      const current = await find(id);
      const voices = changes.voices === undefined ? current.voices : voicesFor(current.kind, changes.voices);
      if (changes.baseUrl) await deps.outbound.assertAllowed(changes.baseUrl, 'untrusted');
      let secretId = current.secretId;
      if (changes.apiKey) {
        if (secretId) await deps.secrets.replace(null, secretId, changes.apiKey);
        else secretId = (await deps.secrets.store(null, purpose(id), changes.apiKey)).id;
      }
      const removeKey = changes.apiKey === null ? current.secretId : null;
      if (removeKey) secretId = null;
      const stored = await deps.repository.change((list) => {
        if (!list.some((c) => c.id === id)) throw notFound('voice_network_engine');
        let changed: NetworkEngineConfig | undefined;
        const next = list.map((c) => {
          if (c.id !== id) return c;
          changed = {
            ...c,
            ...(changes.name !== undefined ? { name: changes.name } : {}),
            ...(changes.baseUrl !== undefined ? { baseUrl: changes.baseUrl.replace(/\/+$/, '') } : {}),
            ...(changes.model !== undefined ? { model: changes.model } : {}),
            ...(changes.useByDefault !== undefined ? { useByDefault: changes.useByDefault } : {}),
            voices,
            secretId,
            updatedAt: new Date().toISOString(),
          };
          return changed;
        });
        return onlyDefault(next, changed!);
      });
      if (removeKey) await deps.secrets.remove(null, removeKey).catch(() => {});
      // A new key with the same configuration still needs new engines (and a fresh probe).
      await sync(stored, true);
      return viewOf(id);
    },

    async remove(id: string): Promise<void> {
      let removed: NetworkEngineConfig | undefined;
      const stored = await deps.repository.change((list) => {
        removed = list.find((c) => c.id === id);
        if (!removed) throw notFound('voice_network_engine');
        return list.filter((c) => c.id !== id);
      });
      if (removed?.secretId) await deps.secrets.remove(null, removed.secretId).catch(() => {});
      await sync(stored);
    },

    /** One real request through the endpoint now ("Test connection"), then fresh readiness. */
    async check(id: string): Promise<{ engine: NetworkEngineView; test: ConnectionTest }> {
      const config = await find(id);
      let test: ConnectionTest;
      if (!isLocalEndpoint(config.baseUrl) && (await localOnlyNow())) {
        test = {
          ready: false,
          code: 'local_only',
          detail: 'Refused in local-only mode: audio would leave this machine',
          latencyMs: null,
        };
      } else {
        test = await testNetworkEngine(await engineFor(config));
      }
      await sync(undefined, true);
      return { engine: await viewOf(id), test };
    },
  };
}

export type VoiceNetworkEngineService = ReturnType<typeof createVoiceNetworkEngineService>;
