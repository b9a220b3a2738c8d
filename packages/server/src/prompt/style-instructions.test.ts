import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STYLE_SLIDER_NAMES } from './avatar-persona.js';
import {
  CUSTOM_SLIDER_TEMPLATES,
  customSliderInstruction,
  type InstructedBand,
  STYLE_BANDS,
  STYLE_SLIDER_TABLE,
  styleBand,
  styleInstruction,
  styleInstructions,
} from './style-instructions.js';

const INSTRUCTED: InstructedBand[] = ['very_low', 'low', 'high', 'very_high'];

describe('style bands', () => {
  it('splits 0–100 into five bands at 20, 40, 60 and 80', () => {
    expect([0, 19, 20, 39, 40, 59, 60, 79, 80, 100].map(styleBand)).toEqual([
      'very_low',
      'very_low',
      'low',
      'low',
      'neutral',
      'neutral',
      'high',
      'high',
      'very_high',
      'very_high',
    ]);
  });

  it('clamps out-of-range values and treats non-numbers as neutral', () => {
    expect(styleBand(-5)).toBe('very_low');
    expect(styleBand(250)).toBe('very_high');
    expect(styleBand(59.4)).toBe('neutral');
    expect(styleBand(59.6)).toBe('high');
    expect(styleBand(Number.NaN)).toBe('neutral');
  });

  it('covers every value exactly once', () => {
    for (let value = 0; value <= 100; value++) {
      expect(STYLE_BANDS.filter((band) => value >= band.min && value <= band.max)).toHaveLength(1);
    }
  });
});

describe('slider table', () => {
  it('gives every band of every slider its documented sentence, at both edges of the band', () => {
    for (const slider of STYLE_SLIDER_NAMES) {
      for (const { band, min, max } of STYLE_BANDS) {
        const expected = band === 'neutral' ? null : STYLE_SLIDER_TABLE[slider].instructions[band];
        expect(styleInstruction(slider, min), `${slider} ${min}`).toBe(expected);
        expect(styleInstruction(slider, max), `${slider} ${max}`).toBe(expected);
      }
    }
  });

  it('has a distinct, complete sentence for every instructed band', () => {
    const sentences = STYLE_SLIDER_NAMES.flatMap((slider) =>
      INSTRUCTED.map((band) => STYLE_SLIDER_TABLE[slider].instructions[band]),
    );
    expect(new Set(sentences).size).toBe(STYLE_SLIDER_NAMES.length * 4);
    for (const sentence of sentences) expect(sentence).toMatch(/^[A-Z].*\.$/);
  });

  it('keeps the examples from the issue', () => {
    expect(styleInstruction('formality', 90)).toBe(
      'Use formal, polished language; avoid slang and contractions.',
    );
    expect(styleInstruction('verbosity', 10)).toBe(
      'Keep replies very short: one or two sentences unless asked for more.',
    );
  });

  it('produces nothing for neutral sliders and lists the rest in table order', () => {
    expect(styleInstructions({ formality: 50, verbosity: 45, warmth: 55 })).toEqual([]);
    const list = styleInstructions({ curiosity: 95, formality: 10, humor: 50 });
    expect(list.map((item) => item.slider)).toEqual(['formality', 'curiosity']);
    expect(list[0]).toEqual({
      slider: 'formality',
      value: 10,
      band: 'very_low',
      text: STYLE_SLIDER_TABLE.formality.instructions.very_low,
    });
  });
});

describe('custom sliders', () => {
  const optimism = { name: 'Optimism', low: 'pessimistic', high: 'optimistic' };

  it('uses the low and high labels in each band', () => {
    expect(customSliderInstruction({ ...optimism, value: 5 })).toBe(
      'Be clearly pessimistic rather than optimistic.',
    );
    expect(customSliderInstruction({ ...optimism, value: 30 })).toBe(
      'Lean towards being pessimistic rather than optimistic.',
    );
    expect(customSliderInstruction({ ...optimism, value: 50 })).toBeNull();
    expect(customSliderInstruction({ ...optimism, value: 70 })).toBe(
      'Lean towards being optimistic rather than pessimistic.',
    );
    expect(customSliderInstruction({ ...optimism, value: 100 })).toBe(
      'Be clearly optimistic rather than pessimistic.',
    );
    for (const band of INSTRUCTED) expect(CUSTOM_SLIDER_TEMPLATES[band]).toContain('{low}');
  });

  it('skips sliders with empty labels and flattens line breaks in labels', () => {
    expect(customSliderInstruction({ name: 'x', value: 90, low: ' ', high: 'bold' })).toBeNull();
    expect(customSliderInstruction({ name: 'x', value: 90, low: 'shy', high: 'very\n  bold' })).toBe(
      'Be clearly very bold rather than shy.',
    );
  });

  it('come after the built-in sliders, in the order given', () => {
    const list = styleInstructions({ humor: 90 }, [
      { ...optimism, value: 90 },
      { name: 'Patience', value: 10, low: 'impatient', high: 'patient' },
    ]);
    expect(list.map((item) => item.slider)).toEqual(['humor', 'Optimism', 'Patience']);
  });
});

describe('docs/prompt-compiler.md', () => {
  const docs = readFileSync(new URL('../../../../docs/prompt-compiler.md', import.meta.url), 'utf8');

  it('documents every sentence of the table, so docs and code cannot drift apart', () => {
    for (const slider of STYLE_SLIDER_NAMES) {
      for (const band of INSTRUCTED) {
        expect(docs, `${slider} ${band}`).toContain(STYLE_SLIDER_TABLE[slider].instructions[band]);
      }
    }
    for (const band of INSTRUCTED) expect(docs).toContain(CUSTOM_SLIDER_TEMPLATES[band]);
  });
});
