import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../test-support/fixtures.js';
import {
  activateLorebook,
  type Lorebook,
  type LorebookEntry,
  type LorebookPosition,
  type SelectiveLogic,
} from './lorebook-engine.js';

// The real SillyTavern World Info file shipped with the default Seraphina character.
const FIXTURE = fixturePath('sillytavern', 'Eldoria.json');

interface SillyTavernEntry {
  uid: number;
  key: string[];
  keysecondary: string[];
  comment: string;
  content: string;
  constant: boolean;
  selective: boolean;
  selectiveLogic?: number;
  order: number;
  position: number;
  disable: boolean;
}

const LOGIC: SelectiveLogic[] = ['AND_ANY', 'NOT_ALL', 'NOT_ANY', 'AND_ALL'];
const POSITION: Record<number, LorebookPosition> = {
  0: 'before_char',
  1: 'after_char',
  4: 'at_depth',
  5: 'before_example',
  6: 'after_example',
};

// The minimal mapping; the card parser owns the complete one.
function fromSillyTavern(file: { entries: Record<string, SillyTavernEntry> }): Lorebook {
  const entries = Object.values(file.entries).map(
    (st): LorebookEntry => ({
      id: st.uid,
      comment: st.comment,
      keys: st.key,
      secondaryKeys: st.keysecondary,
      content: st.content,
      constant: st.constant,
      selective: st.selective,
      selectiveLogic: LOGIC[st.selectiveLogic ?? 0],
      insertionOrder: st.order,
      position: POSITION[st.position] ?? 'before_char',
      enabled: !st.disable,
    }),
  );
  return { entries };
}

describe('SillyTavern World Info: Eldoria.json', () => {
  const book = fromSillyTavern(JSON.parse(readFileSync(FIXTURE, 'utf8')));

  it('maps every entry', () => {
    expect(book.entries).toHaveLength(4);
    expect(
      book.entries.every((entry) => entry.enabled && entry.keys.length > 0 && entry.content.length > 100),
    ).toBe(true);
  });

  it('activates the Shadowfang entry when a message mentions its key', async () => {
    const result = await activateLorebook(
      { ...book, recursiveScanning: false },
      { messages: ['Hello.', 'What were those monsters in the woods last night?'] },
    );
    const shadowfang = book.entries.findIndex((entry) => entry.keys.includes('shadowfang'));
    const forest = book.entries.findIndex((entry) => entry.keys.includes('wood'));
    expect(result.activated.map((entry) => entry.index).sort()).toEqual([forest, shadowfang].sort());
    const activated = result.activated.find((entry) => entry.index === shadowfang)!;
    expect(activated.explanation).toBe('key "monster" matched message 1');
    expect(activated.position).toBe('before_char');
    expect(activated.tokens).toBeGreaterThan(50);
  });

  it('chains through entry contents when recursion is on', async () => {
    const result = await activateLorebook(book, { messages: ['Tell me about the Shadowfangs.'] });
    expect(result.activated.length).toBeGreaterThan(1);
    expect(result.activated.some((entry) => entry.reason.type === 'recursion')).toBe(true);
  });

  it('activates nothing for an unrelated message', async () => {
    const result = await activateLorebook(
      { ...book, recursiveScanning: false },
      { messages: ['I like tea.'] },
    );
    expect(result.activated).toEqual([]);
  });
});
