import { describe, expect, it } from 'vitest';
import { fillNameMacros, macroNames } from './greeting-macros';

describe('fillNameMacros', () => {
  const names = { char: 'Seraphina', user: 'Ada' };

  it('puts the avatar’s and the person’s names in place of {{char}} and {{user}}', () => {
    expect(fillNameMacros('Hi {{user}}! I’m {{char}}. {{char}} is glad.', names)).toBe(
      'Hi Ada! I’m Seraphina. Seraphina is glad.',
    );
  });

  it('accepts any letter case, spaces inside the braces and the old <USER>/<BOT>/<CHAR> forms', () => {
    expect(fillNameMacros('{{User}}, {{ CHAR }}, <USER>, <BOT>, <char>', names)).toBe(
      'Ada, Seraphina, Ada, Seraphina, Seraphina',
    );
  });

  it('leaves other macros and text that only looks similar alone', () => {
    expect(fillNameMacros('{{time}} {{random:a,b}} {char} {{character}}', names)).toBe(
      '{{time}} {{random:a,b}} {char} {{character}}',
    );
  });

  it('inserts names literally, even when they contain macro-like text or $ patterns', () => {
    expect(fillNameMacros('{{char}} meets {{user}}', { char: '{{user}}', user: '$& $1' })).toBe(
      '{{user}} meets $& $1',
    );
  });
});

describe('macroNames', () => {
  // The same examples as the server's compile-system-prompt test and docs/prompt-compiler.md.
  it('uses the nickname for {{char}} when set, else the name', () => {
    expect(
      macroNames({ name: 'Seraphina', nickname: 'Sera' }, { name: 'Ada', preferredName: null }).char,
    ).toBe('Sera');
    expect(macroNames({ name: 'Sage', nickname: ' Sal ' }, { name: 'Ada', preferredName: null }).char).toBe(
      'Sal',
    );
    expect(macroNames({ name: 'Sage', nickname: '  ' }, { name: 'Ada', preferredName: null }).char).toBe(
      'Sage',
    );
    expect(macroNames({ name: 'Sage', nickname: null }, { name: 'Ada', preferredName: null }).char).toBe(
      'Sage',
    );
  });

  it('uses the preferred name for {{user}} when set, else the first name', () => {
    const sage = { name: 'Sage', nickname: null };
    expect(macroNames(sage, { name: ' Grace Hopper ', preferredName: null }).user).toBe('Grace');
    expect(macroNames(sage, { name: 'Grace Hopper', preferredName: 'Amazing Grace' }).user).toBe(
      'Amazing Grace',
    );
  });

  it('fills a greeting the way the server expands it', () => {
    const names = macroNames(
      { name: 'Sage', nickname: 'Sal' },
      { name: 'Grace Hopper', preferredName: null },
    );
    expect(fillNameMacros('{{char}} meets {{user}}.', names)).toBe('Sal meets Grace.');
  });
});
