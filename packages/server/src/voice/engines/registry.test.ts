import { afterAll, describe, expect, it } from 'vitest';
import { createEnergyVad } from './energy-vad.js';
import { createEspeakTts } from './espeak-tts.js';
import { createFliteTts } from './flite-tts.js';
import { createPocketsphinxStt } from './pocketsphinx-stt.js';
import { createVoiceEngines } from './registry.js';
import type { SttEngine } from './types.js';

/** A remote STT engine (audio would leave the machine); never called here. */
const cloudStt: SttEngine = {
  id: 'cloud-stt',
  kind: 'stt',
  family: 'network',
  label: 'Cloud STT',
  remote: true,
  streaming: false,
  readiness: async () => ({ ready: true }),
  open: async () => {
    throw new Error('not reached');
  },
};

describe('voice engine registry', () => {
  const registry = createVoiceEngines({ localOnly: false });
  afterAll(() => registry.close());

  it('lists the system engines found here, all ready, and picks defaults among them', async () => {
    const list = await registry.list();
    expect(list.map((e) => e.id)).toEqual(
      expect.arrayContaining(['pocketsphinx', 'espeak-ng', 'flite', 'energy']),
    );
    expect(list.every((e) => e.ready)).toBe(true);
    expect(registry.defaults()).toEqual({ vad: 'energy', stt: 'pocketsphinx', tts: 'espeak-ng' });
    expect(registry.tts().id).toBe('espeak-ng');
    expect(registry.tts('flite').id).toBe('flite');
  });

  it('picks engines that need no download before the first readiness check has answered', async () => {
    const fresh = createVoiceEngines({ localOnly: true, sileroVadModel: '/nonexistent/silero_vad.onnx' });
    expect(fresh.defaults()).toEqual({ vad: 'energy', stt: 'pocketsphinx', tts: 'espeak-ng' });
    await fresh.close();
  });

  it('refuses an unknown id or an engine of another kind with engine_not_found', () => {
    expect(() => registry.tts('nope')).toThrow(expect.objectContaining({ code: 'engine_not_found' }));
    expect(() => registry.tts('pocketsphinx')).toThrow(expect.objectContaining({ code: 'engine_not_found' }));
  });

  it('falls back to a ready engine when the preferred one is missing, and explains the missing one', async () => {
    const engines = createVoiceEngines({
      localOnly: false,
      engines: [
        createEnergyVad(),
        createPocketsphinxStt({ python: '/nonexistent/python3' }),
        createEspeakTts({ command: '/nonexistent/espeak-ng' }),
        createFliteTts(),
      ],
    });
    const list = await engines.list();
    expect(list.find((e) => e.id === 'espeak-ng')).toMatchObject({
      ready: false,
      code: 'engine_not_installed',
      detail: expect.stringContaining('apt-get install espeak-ng'),
    });
    expect(engines.defaults().tts).toBe('flite');
    await engines.close();
  });

  it('lists a remote engine but refuses it in local-only mode with local_only', async () => {
    const local = createVoiceEngines({ localOnly: true, extra: [cloudStt] });
    expect((await local.list()).find((e) => e.id === 'cloud-stt')).toMatchObject({
      ready: false,
      code: 'local_only',
    });
    expect(() => local.stt('cloud-stt')).toThrow(expect.objectContaining({ code: 'local_only' }));
    expect(local.defaults().stt).toBe('pocketsphinx');
    await local.close();
    const open = createVoiceEngines({ localOnly: false, extra: [cloudStt] });
    expect(open.stt('cloud-stt').id).toBe('cloud-stt');
    await open.close();
  });

  it("follows the admin's run-time local-only switch: refused and not probed while on, usable again when off", async () => {
    let switchedOn = false;
    let probes = 0;
    const probed: SttEngine = {
      ...cloudStt,
      readiness: async () => {
        probes++;
        return { ready: true };
      },
    };
    const engines = createVoiceEngines({
      localOnly: false,
      isLocalOnly: async () => switchedOn,
      extra: [probed],
      // A local engine ranked after network ones: the default only while the remote one is refused.
      engines: [createEnergyVad(), { ...cloudStt, id: 'here-stt', family: 'builtin', remote: false }],
    });
    expect((await engines.list()).find((e) => e.id === 'cloud-stt')).toMatchObject({ ready: true });
    expect(engines.defaults().stt).toBe('cloud-stt');

    switchedOn = true;
    probes = 0;
    expect(await engines.localOnly()).toBe(true);
    expect(() => engines.stt('cloud-stt')).toThrow(expect.objectContaining({ code: 'local_only' }));
    expect(engines.defaults().stt).toBe('here-stt'); // the default falls back to a local engine
    await engines.refresh();
    expect((await engines.list()).find((e) => e.id === 'cloud-stt')).toMatchObject({
      ready: false,
      code: 'local_only',
    });
    expect(probes).toBe(0); // not even a readiness probe leaves the machine

    switchedOn = false;
    expect((await engines.list()).find((e) => e.id === 'cloud-stt')).toMatchObject({ ready: true });
    expect(probes).toBeGreaterThan(0);
    expect(engines.stt('cloud-stt').id).toBe('cloud-stt');
    expect(engines.defaults().stt).toBe('cloud-stt');

    // A switch that cannot be read counts as on; LUMINA_LOCAL_ONLY cannot be switched off.
    const unreadable = createVoiceEngines({
      localOnly: false,
      isLocalOnly: () => Promise.reject(new Error('database down')),
      extra: [cloudStt],
      engines: [createEnergyVad()],
    });
    expect(await unreadable.localOnly()).toBe(true);
    const locked = createVoiceEngines({
      localOnly: true,
      isLocalOnly: async () => false,
      extra: [cloudStt],
      engines: [createEnergyVad()],
    });
    expect(await locked.localOnly()).toBe(true);
    expect(() => locked.stt('cloud-stt')).toThrow(expect.objectContaining({ code: 'local_only' }));
    await Promise.all([engines.close(), unreadable.close(), locked.close()]);
  });
});
