import { describe, expect, it } from 'vitest';
import { readSillyTavernPreset } from '../presets/sillytavern-preset.js';
import {
  effectiveGenerationSettings,
  pickGenerationSettings,
  readGenerationSettings,
} from './generation-settings.js';

describe('effectiveGenerationSettings', () => {
  it('takes each field from the conversation, else the avatar, else its preset', () => {
    const avatar = {
      presetId: 'p',
      settings: { temperature: 0.5, stop: ['END'] },
      preset: { name: 'P', settings: { temperature: 0.2, topK: 20, seed: 1 } },
    };
    expect(effectiveGenerationSettings({ seed: 9 }, avatar)).toEqual({
      temperature: 0.5,
      topK: 20,
      seed: 9,
      stop: ['END'],
    });
    expect(effectiveGenerationSettings({}, {})).toEqual({});
  });

  it('reads stored documents leniently: a bad field is dropped, the others kept', () => {
    expect(readGenerationSettings({ temperature: 7, topP: 0.5, junk: true })).toEqual({ topP: 0.5 });
    expect(readGenerationSettings('nonsense')).toEqual({});
    expect(effectiveGenerationSettings(null, { settings: 'x', preset: 3 })).toEqual({});
  });

  it('picks only what a provider takes', () => {
    expect(pickGenerationSettings({ temperature: 1, minP: 0.1 }, ['temperature'])).toEqual({
      temperature: 1,
    });
  });
});

describe('readSillyTavernPreset', () => {
  it('reads a chat-completion preset and lists the rest', () => {
    const read = readSillyTavernPreset({
      temperature: 1,
      frequency_penalty: 0.2,
      presence_penalty: 0.1,
      top_p: 1,
      top_k: 0,
      repetition_penalty: 1,
      openai_max_tokens: 300,
      seed: -1,
      prompts: [{ identifier: 'main' }],
      __proto__: 1,
    });
    expect(read.settings).toEqual({
      temperature: 1,
      frequencyPenalty: 0.2,
      presencePenalty: 0.1,
      topP: 1,
      repetitionPenalty: 1,
      maxTokens: 300,
    });
    expect(read.ignored).toEqual(['prompts']);
  });

  it('takes stop strings as an array or JSON text, at most 8, and reports values it cannot take', () => {
    const many = Array.from({ length: 12 }, (_, i) => `s${i}`);
    expect(readSillyTavernPreset({ stopping_strings: many }).settings.stop).toHaveLength(8);
    expect(readSillyTavernPreset({ stop: '["A", 3, ""]' }).settings.stop).toEqual(['A']);
    const bad = readSillyTavernPreset({ temp: 'hot', seed: 12.5, name: 'Mine' });
    expect(bad.settings).toEqual({});
    expect(bad.name).toBe('Mine');
    expect(bad.invalid.map((i) => i.field)).toEqual(['temp', 'seed']);
  });
});
