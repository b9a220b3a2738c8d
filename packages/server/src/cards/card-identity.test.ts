import { describe, expect, it } from 'vitest';
import { cardContentHash, contentHash } from './card-identity.js';
import { parseCard } from './normalize-card.js';

const card = (data: Record<string, unknown>) =>
  parseCard({ spec: 'chara_card_v3', spec_version: '3.0', data }).card;

describe('cardContentHash', () => {
  it('is the same for the same content in any key order or packing, different otherwise', () => {
    const a = cardContentHash(card({ name: 'Ari', description: 'Keeps a lighthouse.', tags: ['sea'] }));
    expect(a).toMatch(/^card:sha256:[0-9a-f]{64}$/);
    expect(cardContentHash(card({ tags: ['sea'], description: 'Keeps a lighthouse.', name: 'Ari' }))).toBe(a);
    const packed = card({
      name: 'Ari',
      description: 'Keeps a lighthouse.',
      tags: ['sea'],
      assets: [{ type: 'icon', uri: 'embeded://assets/icon/images/main.png', name: 'main', ext: 'png' }],
      modification_date: 1_700_000_000,
    });
    expect(cardContentHash(packed)).toBe(a);
    expect(
      cardContentHash(card({ name: 'Ari', description: 'Keeps a lighthouse!', tags: ['sea'] })),
    ).not.toBe(a);
  });

  it('keeps kinds apart', () => {
    expect(contentHash('xml', { name: 'Ari' })).not.toBe(contentHash('card', { name: 'Ari' }));
  });
});
