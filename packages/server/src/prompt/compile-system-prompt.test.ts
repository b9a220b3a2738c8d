import { describe, expect, it } from 'vitest';
import type { AvatarPersona, UserIdentity } from './avatar-persona.js';
import { compileSystemPrompt, createPersonaMacroContext } from './compile-system-prompt.js';
import { activateLorebook } from './lorebook-engine.js';
import { expandMacros } from './macros.js';
import { STYLE_SLIDER_TABLE } from './style-instructions.js';

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;
const now = new Date('2025-03-05T14:07:00Z');
const user: UserIdentity = {
  name: 'Samuel',
  preferredName: 'Sam',
  description: 'A {{random:baker,painter}} from Lyon.',
};

const full: AvatarPersona = {
  name: 'Seraphina',
  nickname: 'Sera',
  description: '{{char}} is a forest guardian with amber eyes.',
  persona: 'Gentle, protective and wise. She cares about {{user}}.',
  traits: ['kind', ' protective ', 'kind', '', 'wise'],
  style: { formality: 85, verbosity: 10, warmth: 50, humor: 30, directness: 55, curiosity: 70 },
  customSliders: [{ name: 'Mystery', value: 90, low: 'plain-spoken', high: 'cryptic' }],
  backstory: 'Born in the glade {{roll:d6}} centuries ago.',
  scenario: 'It is {{weekday}}. {{user}} wakes up in the glade.',
  greeting: 'GREETING-NEVER-IN-PROMPT',
  alternateGreetings: ['ALT-GREETING-NEVER-IN-PROMPT'],
  exampleDialogue:
    '<START>\n{{user}}: Who are you?\n{{char}}: I am the guardian.\n<START>\n<USER>: Hi\n<BOT>: Hello, traveler.',
  postHistoryInstructions: 'Stay gentle. {{original}}',
  creatorNotes: 'CREATOR-NOTES-NEVER-SENT',
};

describe('compileSystemPrompt', () => {
  it('lays out a full persona in a fixed order with expanded macros', async () => {
    const result = await compileSystemPrompt(full, user, {
      now,
      seed: 3,
      countTokens: countWords,
      defaultPostHistoryInstructions: 'Never speak for {{user}}.',
    });
    expect(result.sections.map((s) => s.name)).toEqual([
      'identity',
      'description',
      'personality',
      'traits',
      'style',
      'backstory',
      'scenario',
      'user',
      'example_dialogue',
    ]);
    const text = (name: string) => result.sections.find((s) => s.name === name)!.text;
    expect(text('identity')).toBe(
      'You are Seraphina, known as Sera. Speak as Sera in the first person, stay in character, and keep your replies consistent with everything described here.',
    );
    expect(text('description')).toBe('## Description\nSera is a forest guardian with amber eyes.');
    expect(text('personality')).toBe('## Personality\nGentle, protective and wise. She cares about Sam.');
    expect(text('traits')).toBe('## Traits\nYour defining traits: kind, protective, wise.');
    expect(text('style')).toBe(
      [
        '## How you communicate',
        `- ${STYLE_SLIDER_TABLE.formality.instructions.very_high}`,
        `- ${STYLE_SLIDER_TABLE.verbosity.instructions.very_low}`,
        `- ${STYLE_SLIDER_TABLE.humor.instructions.low}`,
        `- ${STYLE_SLIDER_TABLE.curiosity.instructions.high}`,
        '- Be clearly cryptic rather than plain-spoken.',
      ].join('\n'),
    );
    expect(text('backstory')).toMatch(/^## Backstory\nBorn in the glade [1-6] centuries ago\.$/);
    expect(text('scenario')).toBe('## Scenario\nIt is Wednesday. Sam wakes up in the glade.');
    expect(text('user')).toMatch(
      /^## The user\nYou are talking with Samuel\. They prefer to be called Sam, so address them as Sam\.\nWhat they have shared about themselves: A (baker|painter) from Lyon\.$/,
    );
    expect(text('example_dialogue')).toBe(
      [
        '## Example dialogue',
        'These examples show how Sera talks. They are not part of the conversation.',
        '<example>\nSam: Who are you?\nSera: I am the guardian.\n</example>',
        '<example>\nSam: Hi\nSera: Hello, traveler.\n</example>',
      ].join('\n'),
    );
    expect(result.text).toBe(result.sections.map((s) => s.text).join('\n\n'));
    expect(result.postHistoryInstructions).toEqual({
      name: 'post_history_instructions',
      title: 'Post-history instructions',
      text: 'Stay gentle. Never speak for Sam.',
      tokens: 6,
    });
  });

  it('never sends creator notes or greetings, and leaves post-history instructions out of the text', async () => {
    const result = await compileSystemPrompt(full, user, { now, countTokens: countWords });
    expect(result.text).not.toContain('CREATOR-NOTES');
    expect(result.text).not.toContain('GREETING');
    expect(result.text).not.toContain('Stay gentle');
    expect(result.postHistoryInstructions?.text).toBe('Stay gentle.');
  });

  it('is deterministic for the same input, and the seed drives random macros', async () => {
    const options = { now, seed: 11, countTokens: countWords };
    const a = await compileSystemPrompt(full, user, options);
    const b = await compileSystemPrompt(full, user, options);
    expect(a).toEqual(b);
    const rolls = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const result = await compileSystemPrompt(full, user, { now, seed, countTokens: countWords });
      rolls.add(result.sections.find((s) => s.name === 'backstory')!.text);
    }
    expect(rolls.size).toBeGreaterThan(1);
  });

  it('reduces an empty persona to identity and the user', async () => {
    const result = await compileSystemPrompt(
      { name: 'Aria', traits: [' '], style: { humor: 50 }, exampleDialogue: '<START>\n\n<START>' },
      { name: 'Samuel' },
      { countTokens: countWords },
    );
    expect(result.sections.map((s) => s.name)).toEqual(['identity', 'user']);
    expect(result.sections[0]!.text).toBe(
      'You are Aria. Speak as Aria in the first person, stay in character, and keep your replies consistent with everything described here.',
    );
    expect(result.sections[1]!.text).toBe(
      '## The user\nYou are talking with Samuel. Address them as Samuel.',
    );
    expect(result.postHistoryInstructions).toBeNull();
  });

  it('uses the preferred name for {{user}}, else the first name (the rule the web app fills greetings by)', async () => {
    const persona: AvatarPersona = { name: 'Sage', nickname: ' Sal ', scenario: '{{char}} meets {{user}}.' };
    const result = await compileSystemPrompt(
      persona,
      { name: ' Grace Hopper ' },
      { countTokens: countWords },
    );
    expect(result.text).toContain('## Scenario\nSal meets Grace.');
    expect(result.text).toContain('You are talking with Grace Hopper. Address them as Grace.');
    const named = await compileSystemPrompt(
      { ...persona, nickname: '  ' },
      { name: 'Grace Hopper', preferredName: 'Amazing Grace' },
      { countTokens: countWords },
    );
    expect(named.text).toContain('## Scenario\nSage meets Amazing Grace.');
  });

  it('uses the preferred name for {{user}} and the name otherwise', async () => {
    const persona: AvatarPersona = { name: 'Aria', scenario: '{{user}} arrives.' };
    const preferred = await compileSystemPrompt(
      persona,
      { name: 'Samuel', preferredName: 'Sam' },
      { countTokens: countWords },
    );
    const plain = await compileSystemPrompt(persona, { name: 'Samuel' }, { countTokens: countWords });
    expect(preferred.text).toContain('## Scenario\nSam arrives.');
    expect(plain.text).toContain('## Scenario\nSamuel arrives.');
    const same = await compileSystemPrompt(
      persona,
      { name: 'Sam', preferredName: 'Sam' },
      { countTokens: countWords },
    );
    expect(same.text).toContain('You are talking with Sam. Address them as Sam.');
  });

  it("replaces the identity with the card's system prompt, where {{original}} is the identity", async () => {
    const persona: AvatarPersona = {
      name: 'Aria',
      systemPrompt: 'Roleplay mode. {{original}} Never break character, {{char}}.',
    };
    const result = await compileSystemPrompt(persona, { name: 'Sam' }, { countTokens: countWords });
    expect(result.sections[0]).toMatchObject({
      name: 'system_prompt',
      text: 'Roleplay mode. You are Aria. Speak as Aria in the first person, stay in character, and keep your replies consistent with everything described here. Never break character, Aria.',
    });
    const custom = await compileSystemPrompt(
      persona,
      { name: 'Sam' },
      { mainPrompt: 'Main prompt for {{char}}.', countTokens: countWords },
    );
    expect(custom.sections[0]!.text).toBe(
      'Roleplay mode. Main prompt for Aria. Never break character, Aria.',
    );
    const noOverride = await compileSystemPrompt(
      { name: 'Aria' },
      { name: 'Sam' },
      { mainPrompt: 'Be {{char}}.', countTokens: countWords },
    );
    expect(noOverride.sections[0]).toMatchObject({ name: 'identity', text: 'Be Aria.' });
  });

  it('never expands macros that come from names', async () => {
    const result = await compileSystemPrompt(
      { name: 'Aria' },
      { name: '{{char}}' },
      { countTokens: countWords },
    );
    expect(result.text).toContain('You are talking with {{char}}.');
  });

  it('places activated lorebook entries around the character and the examples', async () => {
    const persona: AvatarPersona = {
      name: 'Aria',
      description: 'A fox.',
      exampleDialogue: '<START>\n{{char}}: Yip.',
    };
    const context = createPersonaMacroContext(persona, { name: 'Sam' });
    const worldInfo = await activateLorebook(
      {
        entries: [
          {
            keys: [],
            constant: true,
            content: 'The realm is {{char}}’s home.',
            insertionOrder: 1,
            position: 'before_char',
          },
          { keys: [], constant: true, content: 'Magic is rare.', insertionOrder: 1, position: 'after_char' },
          { keys: [], constant: true, content: 'Foxes talk.', insertionOrder: 1, position: 'before_example' },
          {
            keys: [],
            constant: true,
            content: 'End of examples.',
            insertionOrder: 1,
            position: 'after_example',
          },
          { keys: [], constant: true, content: 'Deep note.', insertionOrder: 1, position: 'at_depth' },
        ],
      },
      { messages: [], countTokens: countWords, substitute: (text) => expandMacros(text, context) },
    );
    const result = await compileSystemPrompt(
      persona,
      { name: 'Sam' },
      { worldInfo, countTokens: countWords },
    );
    expect(result.sections.map((s) => s.name)).toEqual([
      'identity',
      'lore_before_character',
      'description',
      'lore_after_character',
      'user',
      'lore_before_examples',
      'example_dialogue',
      'lore_after_examples',
    ]);
    expect(result.sections[1]!.text).toBe('## Lore\nThe realm is Aria’s home.');
    expect(result.text).not.toContain('Deep note.');
  });

  it('counts tokens per section with js-tiktoken by default', async () => {
    const result = await compileSystemPrompt({ name: 'Aria', scenario: 'Hello world' }, { name: 'Sam' });
    const scenario = result.sections.find((s) => s.name === 'scenario')!;
    expect(scenario.text).toBe('## Scenario\nHello world');
    expect(scenario.tokens).toBeGreaterThan(2);
    expect(result.tokens).toBeGreaterThanOrEqual(
      result.sections.reduce((sum, s) => sum + s.tokens, 0) - result.sections.length,
    );
  });
});
