import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Avatar } from '../domain/avatar.js';
import { avatarRow } from '../test-support/avatar-rows.js';
import { fixturePath } from '../test-support/fixtures.js';
import { avatarToCard, cardToAvatar } from './avatar-card-mapping.js';
import { type CardExportFormat, readCardFile, writeCardFile } from './card-file.js';
import { cardContentHash } from './card-identity.js';
import type { CardV3 } from './card-types.js';
import { parseCard } from './normalize-card.js';

const seraphinaPng = () => fs.readFileSync(fixturePath('sillytavern', 'default_Seraphina.png'));

async function readCard(bytes: Buffer) {
  const file = await readCardFile(bytes);
  if (file.format === 'xml') throw new Error('not a card');
  return file;
}

/** What the database gives back: the input as JSON (jsonb), with the columns' defaults. */
function stored(input: ReturnType<typeof cardToAvatar>): Avatar {
  return avatarRow(JSON.parse(JSON.stringify(input)) as Partial<Avatar>);
}

describe('card ↔ avatar mapping', () => {
  it('puts the definition in the persona and the first sentence of the creator notes in the description', async () => {
    const { card, sourceSpec } = await readCard(seraphinaPng());
    const avatar = cardToAvatar(card, sourceSpec);
    expect(avatar.persona).toBe(card.data.description);
    expect(avatar.persona).toMatch(/^\[Seraphina's Personality= "caring"/);
    expect(avatar.description).toBe('ST Default Bot contest winner: roleplay bots category');
    expect(avatar.cardExtras).toMatchObject({ importedDescription: avatar.description });
  });

  it('without creator notes, describes from the readable definition, else leaves it empty', async () => {
    const { card, sourceSpec } = await readCard(seraphinaPng());
    const withoutNotes = { ...card, data: { ...card.data, creator_notes: '' } } as CardV3;
    // Seraphina's definition is all PList and example dialogue: nothing to show.
    expect(cardToAvatar(withoutNotes, sourceSpec).description).toBe('');
    const prose = {
      ...withoutNotes,
      data: {
        ...withoutNotes.data,
        description: `{{char}} heals travellers in Eldoria. ${card.data.description}`,
      },
    } as CardV3;
    expect(cardToAvatar(prose, sourceSpec).description).toBe('Seraphina heals travellers in Eldoria.');
  });

  it('joins the personality after the definition and splits them again on export', () => {
    const { card } = parseCard({
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: { name: 'Ari', description: 'Ari keeps a lighthouse.', personality: 'calm, dry' },
    });
    const avatar = stored(cardToAvatar(card, 'v2'));
    expect(avatar.persona).toBe('Ari keeps a lighthouse.\n\ncalm, dry');
    const edited = avatarToCard({ ...avatar, persona: 'Ari keeps the old lighthouse.\n\ncalm, dry' }).card;
    expect([edited.data.description, edited.data.personality]).toEqual([
      'Ari keeps the old lighthouse.',
      'calm, dry',
    ]);
    const rewritten = avatarToCard({ ...avatar, persona: 'Someone else.' }).card;
    expect([rewritten.data.description, rewritten.data.personality]).toEqual(['Someone else.', '']);
  });

  it.each<[CardExportFormat, string]>([
    ['png', 'PNG'],
    ['json-v2', 'JSON V2'],
    ['json-v3', 'JSON V3'],
    ['charx', 'CHARX'],
  ])('gives back the real Seraphina card field for field after import and export (%s)', async (format) => {
    const original = await readCard(seraphinaPng());
    const { card } = avatarToCard(stored(cardToAvatar(original.card, original.sourceSpec)));
    const exported = await readCard(await writeCardFile(card, format, { image: original.image }));
    // Every field, the book and its entries' extensions included, with the same bytes; no Lumina extension.
    expect(exported.card).toEqual(original.card);
    expect(JSON.stringify(exported.card.data.description)).toBe(
      JSON.stringify(original.card.data.description),
    );
    expect(cardContentHash(exported.card)).toBe(cardContentHash(original.card));
  });

  it('writes Lumina’s settings only when they differ from what an import gives', async () => {
    const original = await readCard(seraphinaPng());
    const avatar = stored(cardToAvatar(original.card, original.sourceSpec));
    const edited = avatarToCard({ ...avatar, traits: ['gentle'], description: 'A forest guardian.' }).card;
    expect(edited.data.extensions.lumina).toMatchObject({
      traits: ['gentle'],
      description: 'A forest guardian.',
    });
    const again = cardToAvatar(edited, 'v3');
    expect([again.traits, again.description, again.persona]).toEqual([
      ['gentle'],
      'A forest guardian.',
      original.card.data.description,
    ]);
    expect(again.cardExtras).not.toHaveProperty('importedDescription');
    // The edited lorebook replaces the kept book.
    const lorebook = avatar.lorebook as { entries: { content: string }[] };
    const withLore = { ...lorebook, entries: [{ ...lorebook.entries[0]!, content: 'New lore.' }] };
    const book = avatarToCard({ ...avatar, lorebook: withLore }).card.data.character_book;
    expect(book?.entries.map((e) => e.content)).toEqual(['New lore.']);
    expect(avatarToCard({ ...avatar, lorebook: null }).card.data.character_book).toBeUndefined();
  });

  it('round-trips an avatar made in Lumina, and reads a card from an older Lumina export', () => {
    const made = avatarRow({
      name: 'Sage',
      description: 'A Socratic tutor. Asks more than it tells.',
      persona: '{{char}} answers questions with questions.',
      backstory: 'Taught for years.',
    });
    const { card, sourceSpec } = avatarToCard(made);
    expect(card.data.description).toBe(made.persona);
    expect(card.data.creator_notes).toBe(made.description);
    const back = cardToAvatar(card, sourceSpec);
    expect([back.name, back.description, back.persona, back.backstory]).toEqual([
      made.name,
      made.description,
      made.persona,
      made.backstory,
    ]);
    const older = parseCard({
      spec: 'chara_card_v3',
      spec_version: '3.0',
      data: {
        name: 'Sage',
        description: 'A Socratic tutor.',
        personality: 'Answers with questions.',
        extensions: { lumina: { backstory: 'Taught for years.' } },
      },
    }).card;
    const read = cardToAvatar(older, 'v3');
    expect([read.description, read.persona]).toEqual(['A Socratic tutor.', 'Answers with questions.']);
  });

  it('carries the sampling settings (its values over its preset’s) and reads them back without the preset', async () => {
    const made = avatarRow({
      name: 'Sage',
      generation: {
        presetId: '0199a1b2-0000-7000-8000-00000000b0b0',
        settings: { temperature: 0.8, stop: ['###'] },
        preset: { name: 'Calm', settings: { temperature: 0.2, topP: 0.9 } },
      },
    });
    const { card, sourceSpec } = avatarToCard(made);
    expect(card.data.extensions.lumina).toMatchObject({
      generation: { presetName: 'Calm', settings: { temperature: 0.8, topP: 0.9, stop: ['###'] } },
    });
    const back = cardToAvatar(card, sourceSpec);
    expect(back.generation).toEqual({
      presetId: null,
      settings: { temperature: 0.8, topP: 0.9, stop: ['###'] },
    });
    // Through a file, as people share it.
    const file = await readCard(await writeCardFile(card, 'json-v2' as CardExportFormat));
    expect(cardToAvatar(file.card, file.sourceSpec).generation).toEqual(back.generation);
    // None set: nothing written, nothing read.
    const plain = avatarToCard(avatarRow({ name: 'Plain' })).card;
    expect(plain.data.extensions.lumina ?? {}).not.toHaveProperty('generation');
    expect(cardToAvatar(plain, 'v3')).not.toHaveProperty('generation');
    // A hostile value is read leniently: what is out of range is dropped.
    const hostile = parseCard({
      spec: 'chara_card_v3',
      spec_version: '3.0',
      data: {
        name: 'X',
        extensions: { lumina: { generation: { settings: { temperature: 99, topP: 0.5 } } } },
      },
    }).card;
    expect(cardToAvatar(hostile, 'v3').generation).toEqual({ presetId: null, settings: { topP: 0.5 } });
  });
});
