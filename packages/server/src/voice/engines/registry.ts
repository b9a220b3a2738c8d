/**
 * Every voice engine this instance has, their readiness, and which one a call uses when the
 * avatar names none. The pipeline (`voice/pipeline/`), the voice routes and `/health` all ask
 * this one object, so "what is installed" is decided in one place.
 *
 * Defaults prefer quality where it is installed and fall back to what always works: sherpa-onnx
 * models when downloaded, then the system engines (pocketsphinx, espeak-ng), then the builtin
 * energy VAD. Remote engines (audio leaving the machine) are listed but refused in local-only
 * mode with `local_only`: LUMINA_LOCAL_ONLY, or the admin's run-time switch (`isLocalOnly`), read
 * again on every list, every call's engine choice and every refresh.
 */

import path from 'node:path';
import { createEnergyVad } from './energy-vad.js';
import { createEspeakTts } from './espeak-tts.js';
import { createFliteTts } from './flite-tts.js';
import { createPocketsphinxStt, type PocketsphinxOptions } from './pocketsphinx-stt.js';
import type { VoiceModels } from './sherpa-models.js';
import { createSherpaStt } from './sherpa-stt.js';
import { createSherpaVad } from './sherpa-vad.js';
import type {
  EngineInfo,
  EngineKind,
  EngineReadiness,
  SttEngine,
  TtsEngine,
  VadEngine,
  VoiceEngine,
} from './types.js';

export type VoiceEngineError = Error & { code: string };

function engineError(code: string, message: string): VoiceEngineError {
  return Object.assign(new Error(message), { code });
}

export interface VoiceEnginesOptions {
  /** LUMINA_LOCAL_ONLY: remote engines are listed but refused, always. */
  localOnly: boolean;
  /**
   * The instance's run-time local-only switch (Settings › Privacy, admin). Asked by `localOnly()`,
   * `list()` and `refresh()`; an error counts as on (nothing leaves the machine on a doubt).
   */
  isLocalOnly?: () => Promise<boolean>;
  pocketsphinx?: PocketsphinxOptions;
  /** `<data dir>`: Silero VAD is looked for in `voice-models/silero-vad/silero_vad.onnx` there. */
  dataDir?: string;
  /** The Silero VAD model file, where it is elsewhere (tests: the fixture). */
  sileroVadModel?: string;
  /** The downloadable models: with them, the sherpa-onnx zipformer STT is listed (ready once downloaded). */
  models?: VoiceModels;
  /**
   * More engines (sherpa-onnx, network), ahead of the system ones in preference order for
   * their kind. Tests pass engines with missing binaries here too.
   */
  extra?: VoiceEngine[];
  /** Replaces the system engines entirely (tests of the registry itself). */
  engines?: VoiceEngine[];
}

export type ListedEngine = EngineInfo & EngineReadiness;

export interface VoiceEngines {
  /** Every engine with its readiness now (cached by each engine where checking is costly). */
  list(): Promise<ListedEngine[]>;
  /**
   * Reads the local-only switch now and applies it (remote engines refused or usable again, the
   * defaults following). Call it before `vad`/`stt`/`tts` when a call starts; `list()` does.
   */
  localOnly(): Promise<boolean>;
  /** The engine by id, or the default; throws `engine_not_found`, `local_only`. */
  vad(id?: string | null): VadEngine;
  stt(id?: string | null): SttEngine;
  tts(id?: string | null): TtsEngine;
  /** The ids a call uses when nothing is chosen: the first ready engine of each kind. */
  defaults(): { vad: string; stt: string; tts: string };
  /** Re-checks readiness (after a model download) and updates `defaults`. */
  refresh(): Promise<void>;
  /**
   * Replaces every network engine (the ones an admin configured) with these, at run time, and
   * checks their readiness before it resolves: the engine list, `/health` and calls see them at once.
   * `preferred` ids are the defaults of their kind while they are ready (an admin chose them).
   */
  replaceNetwork(engines: VoiceEngine[], options?: { preferred?: string[] }): Promise<void>;
  /** Stops engine processes (server shutdown). */
  close(): Promise<void>;
}

export function createVoiceEngines(options: VoiceEnginesOptions): VoiceEngines {
  const pocketsphinx = createPocketsphinxStt(options.pocketsphinx);
  const sileroModel =
    options.sileroVadModel ??
    (options.dataDir ? path.join(options.dataDir, 'voice-models', 'silero-vad', 'silero_vad.onnx') : null);
  const system: VoiceEngine[] = options.engines ?? [
    ...(sileroModel ? [createSherpaVad({ model: sileroModel })] : []),
    createEnergyVad(),
    ...(options.models ? [createSherpaStt({ models: options.models })] : []),
    pocketsphinx,
    createEspeakTts(),
    createFliteTts(),
  ];
  // Preference order per kind: extra (sherpa, network) first, then system, builtin last.
  const familyRank: Record<string, number> = { sherpa: 0, system: 1, network: 2, builtin: 3 };
  const ranked = (list: VoiceEngine[]) =>
    list.sort((a, b) => (familyRank[a.family] ?? 9) - (familyRank[b.family] ?? 9));
  let engines = ranked([...(options.extra ?? []), ...system]);
  let byId = new Map(engines.map((e) => [e.id, e]));
  const readiness = new Map<string, EngineReadiness>();
  let preferred = new Set<string>();

  let localOnlyNow = options.localOnly;
  const usable = (engine: VoiceEngine) => !(engine.remote && localOnlyNow);

  async function applyLocalOnly(): Promise<boolean> {
    const before = localOnlyNow;
    localOnlyNow =
      options.localOnly ||
      (options.isLocalOnly ? await options.isLocalOnly().then(Boolean, () => true) : false);
    // Switched off: the remote engines were never probed while refused; know their readiness now.
    if (before && !localOnlyNow) await check(engines.filter((e) => e.remote));
    return localOnlyNow;
  }

  async function check(list: VoiceEngine[]): Promise<void> {
    await Promise.all(
      list.map(async (engine) => {
        // Local-only: not even a readiness probe leaves the machine (list() says local_only).
        if (!usable(engine)) return;
        try {
          readiness.set(engine.id, await engine.readiness());
        } catch (err) {
          readiness.set(engine.id, {
            ready: false,
            code: 'engine_failed',
            detail: err instanceof Error ? err.message : String(err),
          });
        }
      }),
    );
  }

  let refreshedAt = 0;
  async function refresh(): Promise<void> {
    refreshedAt = Date.now();
    await applyLocalOnly();
    await check(engines);
  }
  // Known before the first call arrives; until then defaults fall back to preference order.
  const firstCheck = refresh().catch(() => {});

  function pickDefault(kind: EngineKind): string {
    const candidates = engines.filter((e) => e.kind === kind && usable(e));
    const isReady = (e: VoiceEngine) => readiness.get(e.id)?.ready === true;
    const ready = candidates.find((e) => preferred.has(e.id) && isReady(e)) ?? candidates.find(isReady);
    // Before the first check has answered: the engines that need no download are the safer bet.
    const fallbackRank: Record<string, number> = { system: 0, builtin: 1, sherpa: 2, network: 3 };
    const unknown = candidates
      .filter((e) => !readiness.has(e.id))
      .sort((a, b) => (fallbackRank[a.family] ?? 9) - (fallbackRank[b.family] ?? 9))[0];
    const chosen = ready ?? unknown ?? candidates[candidates.length - 1];
    return chosen?.id ?? '';
  }

  function get<K extends EngineKind>(kind: K, id?: string | null): Extract<VoiceEngine, { kind: K }> {
    const engine = byId.get(id || pickDefault(kind));
    if (!engine || engine.kind !== kind) {
      throw engineError(
        'engine_not_found',
        `No ${kind.toUpperCase()} engine ${id ?? ''} on this instance`.trim(),
      );
    }
    if (!usable(engine)) {
      throw engineError(
        'local_only',
        `${engine.label} sends audio off this machine; local-only mode refuses it`,
      );
    }
    return engine as Extract<VoiceEngine, { kind: K }>;
  }

  return {
    localOnly: applyLocalOnly,
    async list() {
      await firstCheck;
      await applyLocalOnly();
      // `/health` lists on every probe: readiness a few seconds old is fresh enough.
      if (Date.now() - refreshedAt > 5_000) await refresh();
      return engines.map((engine) => {
        const state = readiness.get(engine.id) ?? { ready: false, code: 'engine_failed' };
        const info: ListedEngine = {
          id: engine.id,
          kind: engine.kind,
          family: engine.family,
          label: engine.label,
          remote: engine.remote,
          ready: state.ready,
        };
        if (!usable(engine)) {
          info.ready = false;
          info.code = 'local_only';
          info.detail = 'Refused in local-only mode: audio would leave this machine';
        } else if (!state.ready) {
          if (state.code) info.code = state.code;
          if (state.detail) info.detail = state.detail;
        }
        return info;
      });
    },
    vad: (id) => get('vad', id),
    stt: (id) => get('stt', id),
    tts: (id) => get('tts', id),
    defaults: () => ({ vad: pickDefault('vad'), stt: pickDefault('stt'), tts: pickDefault('tts') }),
    refresh,
    async replaceNetwork(network, replaceOptions) {
      preferred = new Set(replaceOptions?.preferred ?? []);
      for (const engine of engines) if (engine.family === 'network') readiness.delete(engine.id);
      const kept = engines.filter((e) => e.family !== 'network' && !network.some((n) => n.id === e.id));
      engines = ranked([...network, ...kept]);
      byId = new Map(engines.map((e) => [e.id, e]));
      await applyLocalOnly();
      await check(network);
    },
    async close() {
      await pocketsphinx.dispose();
      for (const engine of engines) {
        const disposable = engine as { dispose?: () => Promise<void> };
        if (engine !== pocketsphinx && typeof disposable.dispose === 'function') await disposable.dispose();
      }
    },
  };
}
