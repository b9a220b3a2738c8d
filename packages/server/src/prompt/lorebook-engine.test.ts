import { describe, expect, it } from 'vitest';
import {
  activateLorebook,
  type Lorebook,
  type LorebookEntry,
  type LorebookScanOptions,
  type SelectiveLogic,
} from './lorebook-engine.js';
import { createSeededRandom } from './seeded-random.js';

// One token per word keeps budget arithmetic readable.
const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;

function entry(overrides: Partial<LorebookEntry> & { keys: string[] }): LorebookEntry {
  return { content: `About ${overrides.keys[0] ?? 'it'}.`, insertionOrder: 100, ...overrides };
}

async function activate(
  book: Partial<Lorebook> & { entries: LorebookEntry[] },
  options: Partial<LorebookScanOptions>,
) {
  return activateLorebook(book, { messages: [], countTokens: countWords, ...options });
}

async function activatedContents(book: Partial<Lorebook> & { entries: LorebookEntry[] }, messages: string[]) {
  return (await activate(book, { messages })).activated.map((e) => e.content);
}

describe('primary keys', () => {
  it('activates an entry when any key appears in recent messages, and says which', async () => {
    const result = await activate(
      { entries: [entry({ keys: ['wyvern', 'dragon'], content: 'Dragons breathe fire.' })] },
      { messages: ['Hello there.', 'Have you seen the Dragon?'] },
    );
    expect(result.activated).toHaveLength(1);
    expect(result.activated[0]!.reason).toEqual({
      type: 'key',
      match: { key: 'dragon', source: { type: 'message', index: 1 } },
    });
    expect(result.activated[0]!.explanation).toBe('key "dragon" matched message 1');
    expect(result.activated[0]!.tokens).toBe(3);
  });

  it('does nothing when no key appears', async () => {
    expect(await activatedContents({ entries: [entry({ keys: ['dragon'] })] }, ['A quiet day.'])).toEqual([]);
  });

  it('ignores empty keys and entries with empty content', async () => {
    const book = { entries: [entry({ keys: ['', '  '] }), entry({ keys: ['day'], content: '  ' })] };
    expect(await activatedContents(book, ['A quiet day.'])).toEqual([]);
  });

  it('prefixes speaker names so keys can match them', async () => {
    const result = await activate(
      { entries: [entry({ keys: ['Mira:'], content: 'Mira is a bard.' })] },
      { messages: [{ name: 'Mira', content: 'La la la.' }] },
    );
    expect(result.activated).toHaveLength(1);
  });

  it('substitutes macros in keys and content', async () => {
    const substitute = (text: string) => text.replaceAll('{{char}}', 'Aria');
    const result = await activate(
      { entries: [entry({ keys: ['{{char}}'], content: '{{char}} is a fox.' })] },
      { messages: ['Where is Aria?'], substitute },
    );
    expect(result.activated[0]!.content).toBe('Aria is a fox.');
  });
});

describe('secondary keys', () => {
  const cases: [SelectiveLogic, boolean, boolean, boolean][] = [
    // logic, with no secondary present, with one of two, with both
    ['AND_ANY', false, true, true],
    ['NOT_ALL', true, true, false],
    ['NOT_ANY', true, false, false],
    ['AND_ALL', false, false, true],
  ];
  const texts = ['The dragon sleeps.', 'The dragon breathes fire.', 'The dragon breathes fire on the ice.'];

  for (const [logic, none, one, both] of cases) {
    it(`${logic}: follows SillyTavern's semantics`, async () => {
      const book = {
        entries: [
          entry({ keys: ['dragon'], secondaryKeys: ['fire', 'ice'], selective: true, selectiveLogic: logic }),
        ],
      };
      const results = await Promise.all(
        texts.map(async (text) => (await activatedContents(book, [text])).length === 1),
      );
      expect(results).toEqual([none, one, both]);
    });
  }

  it('reports which secondary keys matched', async () => {
    const result = await activate(
      {
        entries: [
          entry({
            keys: ['dragon'],
            secondaryKeys: ['fire', 'ice'],
            selective: true,
            selectiveLogic: 'NOT_ALL',
          }),
        ],
      },
      { messages: ['The dragon breathes fire.'] },
    );
    expect(result.activated[0]!.reason).toMatchObject({
      secondary: { logic: 'NOT_ALL', matched: ['fire'], unmatched: ['ice'] },
    });
    expect(result.activated[0]!.explanation).toBe(
      'key "dragon" matched message 0; secondary keys (NOT_ALL) matched: "fire", not matched: "ice"',
    );
  });

  it('ignores secondary keys when selective is off, and defaults to AND_ANY', async () => {
    const off = { entries: [entry({ keys: ['dragon'], secondaryKeys: ['fire'], selective: false })] };
    expect(await activatedContents(off, ['The dragon sleeps.'])).toHaveLength(1);
    const implicit = { entries: [entry({ keys: ['dragon'], secondaryKeys: ['fire'] })] };
    expect(await activatedContents(implicit, ['The dragon sleeps.'])).toHaveLength(0);
    expect(await activatedContents(implicit, ['The dragon breathes fire.'])).toHaveLength(1);
  });
});

describe('matching options', () => {
  it('is case-insensitive by default and case-sensitive on request', async () => {
    expect(await activatedContents({ entries: [entry({ keys: ['Dragon'] })] }, ['a dragon'])).toHaveLength(1);
    expect(
      await activatedContents({ entries: [entry({ keys: ['Dragon'], caseSensitive: true })] }, ['a dragon']),
    ).toHaveLength(0);
    expect(
      await activatedContents({ entries: [entry({ keys: ['Dragon'], caseSensitive: true })] }, ['a Dragon']),
    ).toHaveLength(1);
    expect(
      await activatedContents({ caseSensitive: true, entries: [entry({ keys: ['Dragon'] })] }, ['a dragon']),
    ).toHaveLength(0);
  });

  it('matches whole words only when asked', async () => {
    const loose = { entries: [entry({ keys: ['cat'] })] };
    const whole = { entries: [entry({ keys: ['cat'], matchWholeWords: true })] };
    expect(await activatedContents(loose, ['concatenate'])).toHaveLength(1);
    expect(await activatedContents(whole, ['concatenate'])).toHaveLength(0);
    expect(await activatedContents(whole, ['The cat, asleep.'])).toHaveLength(1);
    expect(await activatedContents(whole, ['cat'])).toHaveLength(1);
    expect(
      await activatedContents({ matchWholeWords: true, entries: [entry({ keys: ['Zoë'] })] }, ['Zoëy']),
    ).toHaveLength(0);
    expect(
      await activatedContents({ matchWholeWords: true, entries: [entry({ keys: ['Zoë'] })] }, ['Hi Zoë!']),
    ).toHaveLength(1);
    expect(
      await activatedContents({ matchWholeWords: true, entries: [entry({ keys: ['magic forest'] })] }, [
        'the magic forests',
      ]),
    ).toHaveLength(0);
    expect(
      await activatedContents({ matchWholeWords: true, entries: [entry({ keys: ['magic forest'] })] }, [
        'the magic forest.',
      ]),
    ).toHaveLength(1);
  });

  it('treats /pattern/flags keys as regular expressions with their own flags', async () => {
    const book = {
      entries: [entry({ keys: ['/\\bdrag(?:on|ons)\\b/i'], caseSensitive: true, matchWholeWords: true })],
    };
    expect(await activatedContents(book, ['Two DRAGONS!'])).toHaveLength(1);
    expect(await activatedContents(book, ['dragonfly'])).toHaveLength(0);
    const sensitive = { entries: [entry({ keys: ['/Dragon/'] })] };
    expect(await activatedContents(sensitive, ['dragon'])).toHaveLength(0);
  });

  it('treats every key as a pattern when useRegex is set (Card V3)', async () => {
    const book = { entries: [entry({ keys: ['sword|blade'], useRegex: true })] };
    expect(await activatedContents(book, ['A BLADE gleams.'])).toHaveLength(1);
  });

  it('ignores the g flag so repeated scans give the same answer', async () => {
    const book = { entries: [entry({ keys: ['/dragon/g'] })] };
    for (let i = 0; i < 3; i++) expect(await activatedContents(book, ['dragon', 'dragon'])).toHaveLength(1);
  });

  it('skips an entry with an invalid or dangerous regex key, with a warning', async () => {
    const result = await activate(
      {
        entries: [
          entry({ keys: ['/dragon(/'], name: 'Broken' }),
          entry({ keys: ['/(a+)+$/'], content: 'Evil.' }),
          entry({ keys: ['dragon'], secondaryKeys: ['/.*.*x/'], selective: true }),
          entry({ keys: ['dragon'], content: 'Fine.' }),
        ],
      },
      { messages: ['dragon aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'] },
    );
    expect(result.activated.map((e) => e.content)).toEqual(['Fine.']);
    expect(result.warnings.map((w) => w.index)).toEqual([0, 1, 2]);
    expect(result.warnings[0]!.message).toMatch(
      /^entry 0 \("Broken"\): key \/dragon\(\/ skipped the entry: /,
    );
    expect(result.warnings[1]!.message).toContain('nested repetition');
    expect(result.warnings[2]!.message).toContain('more than one unbounded quantifier');
  });
});

describe('constant and disabled entries', () => {
  it('always activates constant entries', async () => {
    const result = await activate(
      { entries: [entry({ keys: [], constant: true, content: 'The world is round.' })] },
      {},
    );
    expect(result.activated[0]!.reason).toEqual({ type: 'constant' });
    expect(result.activated[0]!.explanation).toBe('constant entry');
  });

  it('never activates disabled entries, constant or not', async () => {
    const book = {
      entries: [
        entry({ keys: ['dragon'], enabled: false }),
        entry({ keys: [], constant: true, enabled: false }),
      ],
    };
    expect(await activatedContents(book, ['dragon'])).toEqual([]);
  });
});

describe('scan depth', () => {
  const messages = ['The dragon appeared.', 'It flew away.', 'Now what?'];

  it('scans only the last N messages', async () => {
    expect(
      await activatedContents({ scanDepth: 2, entries: [entry({ keys: ['dragon'] })] }, messages),
    ).toHaveLength(0);
    expect(
      await activatedContents({ scanDepth: 3, entries: [entry({ keys: ['dragon'] })] }, messages),
    ).toHaveLength(1);
  });

  it('defaults to the last two messages', async () => {
    expect(await activatedContents({ entries: [entry({ keys: ['dragon'] })] }, messages)).toHaveLength(0);
    expect(await activatedContents({ entries: [entry({ keys: ['flew'] })] }, messages)).toHaveLength(1);
  });

  it('lets an entry override the depth', async () => {
    const book = {
      scanDepth: 1,
      entries: [entry({ keys: ['dragon'], scanDepth: 3 }), entry({ keys: ['flew'] })],
    };
    expect(await activatedContents(book, messages)).toEqual(['About dragon.']);
  });

  it('scans no messages at depth 0', async () => {
    expect(
      await activatedContents({ scanDepth: 0, entries: [entry({ keys: ['what'] })] }, messages),
    ).toHaveLength(0);
  });
});

describe('token budget', () => {
  // Five words each.
  const book = (tokenBudget: number): Lorebook => ({
    tokenBudget,
    entries: [
      entry({ keys: ['x'], insertionOrder: 10, content: 'low order entry five words' }),
      entry({ keys: [], constant: true, insertionOrder: 1, content: 'constant entry with five words' }),
      entry({ keys: ['x'], insertionOrder: 50, content: 'high order entry five words' }),
      entry({ keys: ['x'], insertionOrder: 30, content: 'middle order entry five words' }),
    ],
  });

  it('keeps constant entries first, then higher insertion order, and reports what it dropped', async () => {
    const result = await activate(book(12), { messages: ['x'] });
    expect(result.activated.map((e) => e.index)).toEqual([1, 2]);
    expect(result.totalTokens).toBe(10);
    expect(result.budgetExhausted).toBe(true);
    expect(result.dropped.map((d) => [d.index, d.cause, d.tokens])).toEqual([
      [3, 'budget', 5],
      [0, 'budget', undefined],
    ]);
  });

  it('drops even constant entries when they alone exceed the budget', async () => {
    const result = await activate(book(4), { messages: ['x'] });
    expect(result.activated).toEqual([]);
    expect(result.dropped.map((d) => d.index)).toEqual([1, 2, 3, 0]);
  });

  it('keeps everything when the budget suffices, in ascending insertion order', async () => {
    const result = await activate(book(20), { messages: ['x'] });
    expect(result.activated.map((e) => e.entry.insertionOrder)).toEqual([1, 10, 30, 50]);
    expect(result.dropped).toEqual([]);
    expect(result.budgetExhausted).toBe(false);
  });

  it('counts with js-tiktoken by default', async () => {
    const result = await activateLorebook(
      { entries: [entry({ keys: [], constant: true, content: 'Hello world' })] },
      { messages: [] },
    );
    expect(result.activated[0]!.tokens).toBe(2);
  });
});

describe('recursive scanning', () => {
  const chain = (): LorebookEntry[] => [
    entry({ keys: ['alpha'], content: 'Alpha leads to beta.', name: 'A' }),
    entry({ keys: ['beta'], content: 'Beta leads to gamma.', name: 'B' }),
    entry({ keys: ['gamma'], content: 'Gamma ends here.', name: 'C' }),
  ];

  it('follows a chain A → B → C and explains each step', async () => {
    const result = await activate({ entries: chain() }, { messages: ['Tell me about alpha.'] });
    expect(result.activated.map((e) => [e.entry.name, e.step, e.reason.type])).toEqual([
      ['A', 0, 'key'],
      ['B', 1, 'recursion'],
      ['C', 2, 'recursion'],
    ]);
    expect(result.activated[2]!.explanation).toBe(
      'key "gamma" matched the content of entry 1 (recursion step 2)',
    );
    expect(result.recursionSteps).toBe(2);
  });

  it('stops after the first scan when recursion is off', async () => {
    const result = await activate({ recursiveScanning: false, entries: chain() }, { messages: ['alpha'] });
    expect(result.activated.map((e) => e.entry.name)).toEqual(['A']);
    expect(result.recursionSteps).toBe(0);
  });

  it('honours maxRecursionSteps', async () => {
    const result = await activate({ maxRecursionSteps: 1, entries: chain() }, { messages: ['alpha'] });
    expect(result.activated.map((e) => e.entry.name)).toEqual(['A', 'B']);
  });

  it('terminates on a cycle A ↔ B, activating each once', async () => {
    const result = await activate(
      {
        entries: [
          entry({ keys: ['alpha'], content: 'Alpha mentions beta.' }),
          entry({ keys: ['beta'], content: 'Beta mentions alpha.' }),
        ],
      },
      { messages: ['alpha'] },
    );
    expect(result.activated.map((e) => e.index)).toEqual([0, 1]);
    expect(result.recursionSteps).toBe(1);
  });

  it('lets constant entries trigger others', async () => {
    const result = await activate(
      {
        entries: [
          entry({ keys: [], constant: true, content: 'The realm of alpha.' }),
          entry({ keys: ['alpha'] }),
        ],
      },
      {},
    );
    expect(result.activated.map((e) => e.reason.type)).toEqual(['constant', 'recursion']);
  });

  it('respects preventRecursion, excludeRecursion and delayUntilRecursion', async () => {
    const prevent = chain();
    prevent[0]!.preventRecursion = true;
    expect((await activate({ entries: prevent }, { messages: ['alpha'] })).activated).toHaveLength(1);

    const exclude = chain();
    exclude[1]!.excludeRecursion = true;
    expect(
      (await activate({ entries: exclude }, { messages: ['alpha'] })).activated.map((e) => e.entry.name),
    ).toEqual(['A']);
    expect(
      (await activate({ entries: exclude }, { messages: ['beta'] })).activated.map((e) => e.entry.name),
    ).toEqual(['B', 'C']);

    const delayed = chain();
    delayed[1]!.delayUntilRecursion = true;
    expect((await activate({ entries: delayed }, { messages: ['beta'] })).activated).toHaveLength(0);
    expect((await activate({ entries: delayed }, { messages: ['alpha'] })).activated).toHaveLength(3);
  });

  it('scans recursion content regardless of scan depth', async () => {
    const result = await activate({ scanDepth: 1, entries: chain() }, { messages: ['alpha', 'unrelated'] });
    expect(result.activated).toHaveLength(0);
    const zero = await activate(
      { scanDepth: 0, entries: [entry({ keys: [], constant: true, content: 'alpha' }), ...chain()] },
      { messages: ['gamma'] },
    );
    expect(zero.activated.map((e) => e.entry.name ?? 'constant')).toEqual(['constant', 'A', 'B', 'C']);
  });

  it('never lets an entry dropped by the budget trigger others', async () => {
    const result = await activate(
      {
        tokenBudget: 3,
        entries: [
          entry({ keys: ['alpha'], content: 'Alpha leads to beta.' }),
          entry({ keys: ['beta'], content: 'b' }),
        ],
      },
      { messages: ['alpha'] },
    );
    expect(result.activated).toEqual([]);
    expect(result.dropped.map((d) => d.index)).toEqual([0]);
  });
});

describe('probability', () => {
  const book = { entries: [entry({ keys: ['dragon'], probability: 50 })] };

  it('is reproducible for a seed and varies across seeds', async () => {
    const outcomes = [];
    for (let seed = 0; seed < 40; seed++) {
      const first = await activate(book, { messages: ['dragon'], seed });
      const again = await activate(book, { messages: ['dragon'], random: createSeededRandom(seed) });
      expect(again.activated.length).toBe(first.activated.length);
      outcomes.push(first.activated.length);
    }
    expect(outcomes).toContain(0);
    expect(outcomes).toContain(1);
  });

  it('reports entries that lost the roll', async () => {
    const result = await activate(book, { messages: ['dragon'], random: () => 0.7 });
    expect(result.activated).toEqual([]);
    expect(result.dropped).toMatchObject([{ index: 0, cause: 'probability' }]);
    expect((await activate(book, { messages: ['dragon'], random: () => 0.2 })).activated).toHaveLength(1);
  });

  it('never activates at 0 and always at 100', async () => {
    const never = { entries: [entry({ keys: [], constant: true, probability: 0 })] };
    const always = { entries: [entry({ keys: [], constant: true, probability: 100 })] };
    expect((await activate(never, { random: () => 0 })).activated).toHaveLength(0);
    expect((await activate(always, { random: () => 0.9999 })).activated).toHaveLength(1);
  });
});

describe('positions', () => {
  it('groups entries by position, each in ascending insertion order', async () => {
    const result = await activate(
      {
        entries: [
          entry({ keys: [], constant: true, content: 'after 2', position: 'after_char', insertionOrder: 20 }),
          entry({ keys: [], constant: true, content: 'before', insertionOrder: 5 }),
          entry({ keys: [], constant: true, content: 'after 1', position: 'after_char', insertionOrder: 10 }),
          entry({
            keys: [],
            constant: true,
            content: 'ex before',
            position: 'before_example',
            insertionOrder: 1,
          }),
          entry({
            keys: [],
            constant: true,
            content: 'ex after',
            position: 'after_example',
            insertionOrder: 1,
          }),
          entry({
            keys: [],
            constant: true,
            content: 'deep',
            position: 'at_depth',
            depth: 2,
            role: 'user',
            insertionOrder: 1,
          }),
          entry({
            keys: [],
            constant: true,
            content: 'deep default',
            position: 'at_depth',
            insertionOrder: 2,
          }),
        ],
      },
      {},
    );
    const contents = Object.fromEntries(
      Object.entries(result.byPosition).map(([position, entries]) => [
        position,
        entries.map((e) => e.content),
      ]),
    );
    expect(contents).toEqual({
      before_char: ['before'],
      after_char: ['after 1', 'after 2'],
      before_example: ['ex before'],
      after_example: ['ex after'],
      at_depth: ['deep', 'deep default'],
    });
    expect(result.byPosition.at_depth.map((e) => e.depth)).toEqual([2, 4]);
    expect(result.byPosition.before_char[0]!.depth).toBeUndefined();
  });
});
