import { describe, expect, it } from 'vitest';
import { expandMacros, MAX_MACRO_NESTING, type MacroContext } from './macros.js';
import { createSeededRandom } from './seeded-random.js';

const base: MacroContext = {
  char: 'Aria',
  user: 'Sam',
  now: new Date('2025-03-05T14:07:00Z'),
  timeZone: 'Europe/Paris',
  random: createSeededRandom(1),
};

const expand = (text: string, extra: Partial<MacroContext> = {}) => expandMacros(text, { ...base, ...extra });

describe('names', () => {
  it('replaces {{char}} and {{user}}, in any case', () => {
    expect(expand('{{char}} meets {{user}}.')).toBe('Aria meets Sam.');
    expect(expand('{{CHAR}} / {{User}} / {{ char }}')).toBe('Aria / Sam / Aria');
  });

  it('replaces the legacy <USER>, <BOT> and <CHAR> forms, in any case', () => {
    expect(expand('<USER> and <BOT>, <user> and <char>')).toBe('Sam and Aria, Sam and Aria');
  });

  it('inserts {{original}} and defaults it to nothing', () => {
    expect(expand('Before. {{original}} After.', { original: 'Base prompt.' })).toBe(
      'Before. Base prompt. After.',
    );
    expect(expand('[{{original}}]')).toBe('[]');
  });

  it('reads extra values by name, ignoring case and underscores', () => {
    expect(
      expand('{{Description}} / {{last_message}}', { values: { description: 'Tall.' }, lastMessage: 'Hi' }),
    ).toBe('Tall. / Hi');
  });
});

describe('randomness', () => {
  it('picks from {{random}} lists deterministically for a seed', () => {
    const first = expand('{{random:red,green,blue}} {{random::one::two::three}}', {
      random: createSeededRandom(7),
    });
    const again = expand('{{random:red,green,blue}} {{random::one::two::three}}', {
      random: createSeededRandom(7),
    });
    expect(first).toBe(again);
    expect(first).toMatch(/^(red|green|blue) (one|two|three)$/);
  });

  it('uses the random source for each choice', () => {
    expect(expand('{{random:a,b,c}}', { random: () => 0 })).toBe('a');
    expect(expand('{{random:a,b,c}}', { random: () => 0.99 })).toBe('c');
    expect(expand('{{random a,b}}', { random: () => 0.6 })).toBe('b');
  });

  it('honours escaped commas and trims items', () => {
    expect(expand('{{random:a\\,b, c}}', { random: () => 0 })).toBe('a,b');
    expect(expand('{{random:a\\,b, c}}', { random: () => 0.9 })).toBe('c');
  });

  it('keeps {{pick}} stable for the same text and seed, whatever the random source', () => {
    const text = 'Hair: {{pick::blonde::brown::red::black}}';
    const a = expand(text, { pickSeed: 'chat-1', random: () => 0 });
    const b = expand(text, { pickSeed: 'chat-1', random: () => 0.99 });
    expect(a).toBe(b);
    const picks = new Set(
      ['chat-1', 'chat-2', 'chat-3', 'chat-4', 'chat-5', 'chat-6'].map((s) => expand(text, { pickSeed: s })),
    );
    expect(picks.size).toBeGreaterThan(1);
  });

  it('accepts the Card V3 {{pick:a,b}} form', () => {
    expect(expand('{{pick:Hello,Hi,Hey}}')).toMatch(/^(Hello|Hi|Hey)$/);
    expect(expand('{{pick::Hello,Hi,Hey}}')).toMatch(/^(Hello|Hi|Hey)$/);
  });

  it('rolls dice with {{roll}}', () => {
    expect(expand('{{roll:d6}}', { random: () => 0 })).toBe('1');
    expect(expand('{{roll:D6}}', { random: () => 0.999 })).toBe('6');
    expect(expand('{{roll:20}}', { random: () => 0.999 })).toBe('20');
    expect(expand('{{roll 3d6+4}}', { random: () => 0.999 })).toBe('22');
    expect(expand('{{roll::2d10-3}}', { random: () => 0 })).toBe('-1');
    for (let seed = 0; seed < 50; seed++) {
      const value = Number(expand('{{roll:d6}}', { random: createSeededRandom(seed) }));
      expect(value).toBeGreaterThanOrEqual(1);
      expect(value).toBeLessThanOrEqual(6);
    }
  });

  it('leaves invalid or absurd dice alone', () => {
    expect(expand('{{roll:banana}} {{roll:1000d6}} {{roll:d0}}')).toBe(
      '{{roll:banana}} {{roll:1000d6}} {{roll:d0}}',
    );
  });
});

describe('time', () => {
  it('formats the given moment in the given time zone', () => {
    expect(expand('{{time}}|{{date}}|{{weekday}}|{{isotime}}|{{isodate}}')).toBe(
      '3:07 PM|March 5, 2025|Wednesday|15:07|2025-03-05',
    );
  });

  it('defaults to UTC and falls back to it for an unknown zone', () => {
    expect(expand('{{isotime}}', { timeZone: undefined })).toBe('14:07');
    expect(expand('{{isotime}}', { timeZone: 'Mars/Olympus' })).toBe('14:07');
  });

  it('supports UTC offsets, new and legacy syntax', () => {
    expect(expand('{{time::UTC+2}} {{time_UTC-5}}')).toBe('4:07 PM 9:07 AM');
  });

  it('crosses the date line in the time zone, not the server', () => {
    expect(
      expand('{{isodate}} {{weekday}}', { now: new Date('2025-03-05T23:30:00Z'), timeZone: 'Asia/Tokyo' }),
    ).toBe('2025-03-06 Thursday');
  });

  it('uses the given idle duration and last messages', () => {
    const facts = { idleDuration: '2 hours', lastMessage: 'a', lastUserMessage: 'b', lastCharMessage: 'c' };
    expect(
      expand(
        '{{idle_duration}} {{idleDuration}} {{lastMessage}} {{lastUserMessage}} {{lastCharMessage}}',
        facts,
      ),
    ).toBe('2 hours 2 hours a b c');
    expect(expand('{{idle_duration}}|{{lastMessage}}')).toBe('just now|');
  });
});

describe('formatting', () => {
  it('inserts newlines and spaces', () => {
    expect(expand('a{{newline}}b{{newline::2}}c{{space}}d')).toBe('a\nb\n\nc d');
  });

  it('{{trim}} removes the newlines around it', () => {
    expect(expand('Line one\n\n{{trim}}\n\nLine two')).toBe('Line oneLine two');
  });

  it('removes comments, hidden keys and {{noop}}, without expanding what comments contain', () => {
    expect(
      expand('a{{// note to self {{roll:d6}} }}b{{comment: shown in UI}}c{{hidden_key:dragon}}d{{noop}}'),
    ).toBe('abcd');
  });

  it('reverses text', () => {
    expect(expand('{{reverse:Hello}}')).toBe('olleH');
  });
});

describe('robustness', () => {
  it('leaves unknown macros exactly as written', () => {
    expect(expand('{{getvar::score}} {{unknown}} {{foo::{{char}}}} {{ }} {{a-b}}')).toBe(
      '{{getvar::score}} {{unknown}} {{foo::{{char}}}} {{ }} {{a-b}}',
    );
  });

  it('expands nested macros from the inside out', () => {
    expect(expand('{{random:{{char}},{{user}}}}', { random: () => 0.9 })).toBe('Sam');
    expect(expand('{{reverse:{{user}}}}')).toBe('maS');
  });

  it('keeps stray and unbalanced braces as text', () => {
    expect(expand('{{{char}}}')).toBe('{Aria}');
    expect(expand('}} {{char}} {{')).toBe('}} Aria {{');
    expect(expand('{{ open {{user}}')).toBe('{{ open Sam');
    expect(expand('{ single } braces')).toBe('{ single } braces');
  });

  it('never expands macro output again, so values cannot recurse', () => {
    expect(expand('{{user}}', { user: '{{char}}' })).toBe('{{char}}');
    expect(expand('{{lastMessage}}', { lastMessage: '{{lastMessage}}{{lastMessage}}' })).toBe(
      '{{lastMessage}}{{lastMessage}}',
    );
    expect(expand('{{original}}', { original: '{{original}}' })).toBe('{{original}}');
  });

  it('stops at the nesting limit and leaves deeper macros as written', () => {
    const nested = (depth: number) => `${'{{reverse:'.repeat(depth)}ab${'}}'.repeat(depth)}`;
    expect(expand(nested(MAX_MACRO_NESTING))).toBe('ab');
    const tooDeep = expand(nested(MAX_MACRO_NESTING + 1));
    expect(tooDeep).toContain('{{reverse:ab}}');
  });

  // 160,000 characters of unclosed openers: a quadratic scan would take ~10^10 steps and run
  // far past the test's timeout, so finishing at all is the check (no clock is read).
  it('handles hostile input in linear time', () => {
    const hostile = '{{'.repeat(50_000) + '}}'.repeat(10) + '{{char}}'.repeat(10_000);
    const result = expand(hostile);
    expect(result.endsWith('Aria'.repeat(10_000))).toBe(true);
  });

  it('returns plain text unchanged', () => {
    expect(expand('')).toBe('');
    expect(expand('Nothing to see.')).toBe('Nothing to see.');
  });
});
