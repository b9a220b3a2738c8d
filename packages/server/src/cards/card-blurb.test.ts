import { describe, expect, it } from 'vitest';
import { cardBlurb, MAX_BLURB_LENGTH } from './card-blurb.js';

describe('cardBlurb', () => {
  it('takes the first sentence of the creator notes, without markup', () => {
    expect(
      cardBlurb({
        name: 'Ari',
        creatorNotes:
          '<p>**Ari** keeps the [lighthouse](https://example.invalid) at Dunmore. She is alone.</p>',
        definition: '{{char}} is a lighthouse keeper.',
      }),
    ).toBe('Ari keeps the lighthouse at Dunmore.');
    expect(cardBlurb({ name: 'S', creatorNotes: '\n\n# A card\nMore text', definition: '' })).toBe('A card');
  });

  it('without notes, uses the readable part of the definition: no PList, W++ or example dialogue', () => {
    const definition = [
      '[Ari\'s Personality= "calm", "dry"]',
      '[character("Ari") { Species("human") Mind("calm" + "dry") }]',
      '{{char}} keeps the lighthouse at Dunmore, Mr. Bell says. She rarely speaks.',
      '<START>',
      '{{user}}: Hello?',
      '{{char}}: *She nods.* Hello.',
    ].join('\r\n');
    expect(cardBlurb({ name: 'Ari', creatorNotes: '', definition })).toBe(
      'Ari keeps the lighthouse at Dunmore, Mr. Bell says.',
    );
  });

  it('is empty when nothing readable remains', () => {
    const definition = '[Seraphina\'s Personality= "caring"]\n<START>\n{{user}}: "Hi?"\n{{char}}: *smiles*';
    expect(cardBlurb({ name: 'Seraphina', creatorNotes: '  ', definition })).toBe('');
    expect(cardBlurb({ name: 'X', creatorNotes: '<img src="a.png">', definition: 'Name: X' })).toBe('');
  });

  it('is bounded, cut at a word', () => {
    const blurb = cardBlurb({ name: 'A', creatorNotes: `${'word '.repeat(100)}end.`, definition: '' });
    expect(blurb.length).toBeLessThanOrEqual(MAX_BLURB_LENGTH);
    expect(blurb).toMatch(/word…$/);
  });
});
