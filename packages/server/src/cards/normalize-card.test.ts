import { describe, expect, it } from 'vitest';
import { cardV2Schema } from './card-types.js';
import { parseCard, toV2, toV3, V2_BACKFILL_NOTICE, v3OnlyFields } from './normalize-card.js';

const v3Card = {
  spec: 'chara_card_v3',
  spec_version: '3.0',
  data: {
    name: 'Ari',
    description: 'A lighthouse keeper.',
    personality: 'calm',
    scenario: 'A storm.',
    first_mes: 'You made it.',
    mes_example: '',
    creator_notes: 'notes',
    system_prompt: '',
    post_history_instructions: '',
    alternate_greetings: ['Again?'],
    tags: ['sea'],
    creator: 'me',
    character_version: '2',
    extensions: { lumina: { voice: 'calm-1' }, 'agnai/voice': { id: 7 } },
    nickname: 'Ari the Keeper',
    group_only_greetings: ['Hello, all of you.'],
    assets: [{ type: 'icon', uri: 'embeded://assets/icon/images/main.png', name: 'main', ext: 'png' }],
    creator_notes_multilingual: { fr: 'notes' },
    source: ['https://example.invalid/ari'],
    creation_date: 1_700_000_000,
    modification_date: 1_700_000_100,
    character_book: {
      name: 'Sea',
      extensions: {},
      entries: [
        {
          keys: ['/storms?/i'],
          content: 'Storms come from the west.',
          extensions: { risu_weight: 2 },
          enabled: true,
          insertion_order: 10,
          use_regex: true,
          x_unknown: 'kept',
        },
      ],
    },
    x_future_field: { kept: true },
  },
  x_top_level: 'kept',
};

describe('parseCard', () => {
  it('reads a V3 card as it is, unknown fields kept', () => {
    const { card, sourceSpec, warnings } = parseCard(structuredClone(v3Card));
    expect(sourceSpec).toBe('v3');
    expect(warnings).toEqual([]);
    expect(card).toEqual(v3Card);
  });

  it('upgrades a V1 card, keeping fields it does not know at the top level', () => {
    const { card, sourceSpec, warnings } = parseCard({
      name: 'Old',
      description: 'd',
      personality: 'p',
      scenario: 's',
      first_mes: 'hi',
      mes_example: '<START>',
      creatorcomment: 'from ST',
      talkativeness: '0.5',
    });
    expect(sourceSpec).toBe('v1');
    expect(warnings).toContain('The card was upgraded from Character Card V1');
    expect(card.spec).toBe('chara_card_v3');
    expect(card.data).toMatchObject({
      name: 'Old',
      first_mes: 'hi',
      mes_example: '<START>',
      creator_notes: 'from ST',
    });
    expect(card.data.alternate_greetings).toEqual([]);
    expect(card.data.group_only_greetings).toEqual([]);
    expect(card.talkativeness).toBe('0.5');
  });

  it('fills missing V2 fields with empty values and says so', () => {
    const { card, warnings } = parseCard({
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: { name: 'Min' },
    });
    expect(card.data.extensions).toEqual({});
    expect(card.data.tags).toEqual([]);
    expect(warnings[0]).toMatch(/filled with empty values: description, personality/);
  });

  it('drops top-level V1 copies of data fields and warns when they disagree', () => {
    const { card, warnings } = parseCard({
      spec: 'chara_card_v2',
      spec_version: '2.0',
      name: 'Stale',
      description: 'same',
      chat: 'kept',
      data: { name: 'Fresh', description: 'same' },
    });
    expect(card.data.name).toBe('Fresh');
    expect(card).not.toHaveProperty('name');
    expect(card).not.toHaveProperty('description');
    expect(card.chat).toBe('kept');
    expect(warnings).toContain('The top-level "name" differs from data.name; the data value was used');
  });

  it('upgrades V2 lorebook entries to use_regex false and trims the V3 backfill notice', () => {
    const { card } = parseCard({
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: {
        name: 'B',
        creator_notes: `${V2_BACKFILL_NOTICE}\n\nReal notes`,
        character_book: null,
      },
    });
    expect(card.data.creator_notes).toBe('Real notes');
    expect(card.data).not.toHaveProperty('character_book');
  });

  it('warns about a newer spec version but reads the card', () => {
    const { warnings } = parseCard({ ...structuredClone(v3Card), spec_version: '3.1' });
    expect(warnings[0]).toMatch(/newer than 3.0/);
  });

  it.each([
    ['a string', 'card'],
    ['an unknown spec', { spec: 'chara_card_v9', data: { name: 'x' } }],
    ['a lorebook', { entries: {} }],
    ['an object with no name', { hello: 'world' }],
    [
      'a wrongly typed field',
      { spec: 'chara_card_v2', spec_version: '2.0', data: { name: 'x', tags: 'a,b' } },
    ],
    [
      'a book entry without keys',
      { spec: 'chara_card_v2', data: { name: 'x', character_book: { entries: [{}] } } },
    ],
  ])('rejects %s with card_invalid', (_label, json) => {
    expect(() => parseCard(json)).toThrow(expect.objectContaining({ code: 'card_invalid', status: 422 }));
  });
});

describe('toV2 / toV3', () => {
  it('writes V3 back unchanged', () => {
    const { card } = parseCard(structuredClone(v3Card));
    expect(toV3(card)).toEqual(v3Card);
  });

  it('writes a valid V2 card without the V3-only fields', () => {
    const { card } = parseCard(structuredClone(v3Card));
    const v2 = toV2(card);
    expect(cardV2Schema.safeParse(v2).success).toBe(true);
    expect(v2.data).not.toHaveProperty('nickname');
    expect(v2.data).not.toHaveProperty('assets');
    expect(v2.data.extensions).toEqual(v3Card.data.extensions);
    expect(v2.data.x_future_field).toEqual({ kept: true });
    expect(v2.x_top_level).toBe('kept');
    expect(v3OnlyFields(card)).toEqual([
      'assets',
      'nickname',
      'creator_notes_multilingual',
      'source',
      'group_only_greetings',
      'creation_date',
      'modification_date',
    ]);
  });

  it('adds the backfill notice only when V3 data is left out', () => {
    const { card } = parseCard(structuredClone(v3Card));
    expect(toV2(card, { backfill: true }).data.creator_notes).toBe(`${V2_BACKFILL_NOTICE}\n\nnotes`);
    const plain = parseCard({
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: { name: 'P', creator_notes: 'n' },
    });
    expect(toV2(plain.card, { backfill: true }).data.creator_notes).toBe('n');
  });
});
