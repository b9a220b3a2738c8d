import { describe, expect, it } from 'vitest';
import { leadingWords } from './format';

describe('leadingWords', () => {
  it('keeps a short name whole and cuts a long one at a word boundary', () => {
    expect(leadingWords('Lumina')).toBe('Lumina');
    expect(leadingWords('Bartholomew Maximilian Featherstonehaugh-Wolstenholme')).toBe(
      'Bartholomew Maximilian',
    );
  });

  it('cuts a long word that has no space to break at', () => {
    expect(leadingWords('Supercalifragilisticexpialidocious', 10)).toBe('Supercalif');
  });
});
