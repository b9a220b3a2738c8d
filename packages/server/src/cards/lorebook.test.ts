import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../test-support/fixtures.js';
import {
  fromCharacterBook,
  parseLorebook,
  parseWorldInfo,
  toCharacterBook,
  toWorldInfo,
} from './lorebook.js';
import { readPngCard } from './png-card.js';

const fixture = (name: string) => {
  const file = fixturePath('sillytavern', name);
  return readFileSync(file);
};

const eldoria = JSON.parse(fixture('Eldoria.json').toString('utf8')) as {
  entries: Record<string, { key: string[]; content: string; order: number }>;
};
const seraphinaBook = readPngCard(fixture('default_Seraphina.png')).card.data.character_book;

/** A World Info entry using the settings ST has and the card specs do not. */
const richWorldInfo = {
  entries: {
    '7': {
      uid: 7,
      key: ['/drag(on|ons)/i', 'wyrm'],
      keysecondary: ['fire'],
      comment: 'Dragons',
      content: 'Dragons sleep under the mountain.',
      constant: false,
      selective: true,
      selectiveLogic: 2,
      order: 50,
      position: 4,
      disable: true,
      depth: 2,
      scanDepth: 6,
      caseSensitive: true,
      matchWholeWords: false,
      probability: 40,
      useProbability: true,
      group: 'beasts',
      excludeRecursion: true,
      preventRecursion: true,
      delayUntilRecursion: false,
      displayIndex: 3,
      role: 1,
      sticky: 2,
      addMemo: true,
      characterFilter: { names: ['Seraphina'], isExclude: false },
      extensions: { 'agnai/weight': 3 },
    },
  },
  originalData: { name: 'Beasts' },
};

describe('World Info', () => {
  it('reads every Eldoria entry with keys, content, order and position', () => {
    const { lorebook, source, warnings } = parseLorebook(eldoria, 'Eldoria');
    expect(source).toBe('world_info');
    expect(warnings).toEqual([]);
    const raw = Object.values(eldoria.entries);
    expect(lorebook.entries).toHaveLength(raw.length);
    lorebook.entries.forEach((entry, i) => {
      expect(entry.keys.map((key) => key.text)).toEqual(raw[i]!.key);
      expect(entry.content).toBe(raw[i]!.content);
      expect(entry.insertionOrder).toBe(raw[i]!.order);
      expect(entry.position).toBe('before_char');
      expect(entry.enabled).toBe(true);
    });
    expect(lorebook.entries[1]!.keys.map((key) => key.text)).toEqual([
      'shadowfang',
      'beast',
      'monster',
      'monsters',
      'beasts',
    ]);
  });

  it('reads the same book from Eldoria.json as from the card SillyTavern exported it into', () => {
    expect(fromCharacterBook(seraphinaBook).lorebook).toEqual(parseWorldInfo(eldoria, 'Eldoria').lorebook);
  });

  it('reads SillyTavern settings, regex keys and unknown fields', () => {
    const [entry] = parseWorldInfo(richWorldInfo).lorebook.entries;
    expect(entry).toMatchObject({
      id: 7,
      keys: [{ text: '/drag(on|ons)/i', regex: { source: 'drag(on|ons)', flags: 'i' } }, { text: 'wyrm' }],
      secondaryKeys: [{ text: 'fire' }],
      selective: true,
      selectiveLogic: 'not_any',
      position: 'at_depth',
      depth: 2,
      enabled: false,
      scanDepth: 6,
      caseSensitive: true,
      probability: 40,
      group: 'beasts',
      extensions: { 'agnai/weight': 3, display_index: 3, role: 1, sticky: 2 },
      extra: { addMemo: true, characterFilter: { names: ['Seraphina'], isExclude: false } },
    });
  });

  it('writes World Info back without losing anything', () => {
    const first = parseWorldInfo(richWorldInfo).lorebook;
    const written = toWorldInfo(first);
    expect(written).toEqual(richWorldInfo);
    expect(parseWorldInfo(written).lorebook).toEqual(first);
    const eldoriaBook = parseWorldInfo(eldoria).lorebook;
    expect(parseWorldInfo(toWorldInfo(eldoriaBook)).lorebook).toEqual(eldoriaBook);
  });

  it('rejects a file that is not World Info', () => {
    expect(() => parseWorldInfo({ entries: { '0': { key: 5 } } })).toThrow(
      expect.objectContaining({ code: 'lorebook_invalid', status: 422 }),
    );
    expect(() => parseLorebook([])).toThrow(expect.objectContaining({ code: 'lorebook_invalid' }));
  });
});

describe('character_book', () => {
  it('round-trips a card book', () => {
    const first = fromCharacterBook(seraphinaBook).lorebook;
    expect(fromCharacterBook(toCharacterBook(first)).lorebook).toEqual(first);
  });

  it('carries SillyTavern settings through a card book and back to World Info', () => {
    const fromWorldInfo = parseWorldInfo(richWorldInfo).lorebook;
    const book = toCharacterBook(fromWorldInfo);
    expect(book.entries[0]).toMatchObject({
      id: 7,
      keys: ['/drag(on|ons)/i', 'wyrm'],
      position: 'after_char',
      enabled: false,
      case_sensitive: true,
      extensions: {
        position: 4,
        selectiveLogic: 2,
        depth: 2,
        probability: 40,
        group: 'beasts',
        display_index: 3,
      },
    });
    const viaBook = fromCharacterBook(book).lorebook;
    expect(viaBook.entries).toEqual(fromWorldInfo.entries);
    expect(toWorldInfo(viaBook).entries['7']).toMatchObject(richWorldInfo.entries['7']);
  });

  it('treats every key of a use_regex entry as a pattern and warns about broken ones', () => {
    const { lorebook, warnings } = parseLorebook({
      spec: 'lorebook_v3',
      data: {
        scan_depth: 3,
        token_budget: 500,
        recursive_scanning: false,
        extensions: {},
        entries: [
          {
            keys: ['^sea$', '(broken'],
            content: 'c',
            extensions: {},
            enabled: true,
            insertion_order: 1,
            use_regex: true,
          },
        ],
      },
    });
    expect(lorebook).toMatchObject({ scanDepth: 3, tokenBudget: 500, recursiveScanning: false });
    expect(lorebook.entries[0]!.keys).toEqual([
      { text: '^sea$', regex: { source: '^sea$', flags: '' } },
      { text: '(broken' },
    ]);
    expect(warnings).toEqual(['The key "(broken" is not a valid regular expression; it will never match']);
  });
});
