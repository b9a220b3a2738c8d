import { describe, expect, it } from 'vitest';
import { fillNameMacros } from './greeting-macros';

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
