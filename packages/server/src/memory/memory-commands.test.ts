import { describe, expect, it } from 'vitest';
import {
  commandKind,
  forgetMatches,
  isProfileContent,
  parseMemoryCommand,
  thirdPersonSentence,
} from './memory-commands.js';

describe('parseMemoryCommand', () => {
  it.each([
    ['Remember that my sister is called Ana.', 'my sister is called Ana'],
    ['please remember: I am allergic to peanuts!', 'I am allergic to peanuts'],
    ['Hey, can you please remember that I prefer tea over coffee', 'I prefer tea over coffee'],
    ["Don't forget that my birthday is on 3 March.", 'my birthday is on 3 March'],
    ['Nice talk. Remember that I moved to Lisbon. What do you think?', 'I moved to Lisbon'],
    ['Keep in mind that I work night shifts', 'I work night shifts'],
  ])('%s → remember', (text, content) => {
    expect(parseMemoryCommand(text)).toEqual({ type: 'remember', content });
  });

  it.each([
    ['Forget that I like jazz.', 'I like jazz'],
    ['please forget what I said about my sister', 'my sister'],
    ['Could you forget everything about my old job?', 'my old job'],
    ['OK. Forget about the dentist appointment.', 'the dentist appointment'],
  ])('%s → forget', (text, about) => {
    expect(parseMemoryCommand(text)).toEqual({ type: 'forget', about });
  });

  it.each([
    'I remember that summer in Porto.',
    'Do you remember that trip?',
    'I always forget that my keys are in the car.',
    'What did I tell you to remember?',
    'The remembering is hard.',
    '',
  ])('%s → no command', (text) => {
    expect(parseMemoryCommand(text)).toBeNull();
  });
});

describe('thirdPersonSentence', () => {
  it.each([
    ['my sister is called Ana', "The user's sister is called Ana."],
    ['I am allergic to peanuts', 'The user is allergic to peanuts.'],
    ["I'm a nurse", 'The user is a nurse.'],
    ['I prefer tea over coffee', 'The user prefers tea over coffee.'],
    ['I really like jazz', 'The user really likes jazz.'],
    ['I watch films on Fridays', 'The user watches films on Fridays.'],
    ["I don't eat meat", "The user doesn't eat meat."],
    ['I have two cats', 'The user has two cats.'],
    ['I moved to Lisbon in 2024', 'The user moved to Lisbon in 2024.'],
    ['call me Sam', 'Call the user Sam.'],
    ['I need glasses to read', 'The user needs glasses to read.'],
    ['I miss my grandmother', "The user misses the user's grandmother."],
    ['I went to Japan last spring', 'The user went to Japan last spring.'],
  ])('%s → %s', (text, sentence) => {
    expect(thirdPersonSentence(text)).toBe(sentence);
  });

  it('gives up on what it cannot place, so a model rewrites it', () => {
    expect(thirdPersonSentence('you promised to help with my essay')).toBeNull();
    expect(thirdPersonSentence('we are going to Rome')).toBeNull();
    expect(thirdPersonSentence('Ana likes horses')).toBeNull();
  });
});

describe('kinds', () => {
  it('names, people and dates are the profile', () => {
    expect(isProfileContent("The user's birthday is on 3 March.")).toBe(true);
    expect(isProfileContent('The user prefers to be called Sam.')).toBe(true);
    expect(isProfileContent("The user's sister is called Ana.")).toBe(true);
    expect(isProfileContent('The user likes jazz.')).toBe(false);
    expect(commandKind('The user likes jazz.')).toBe('preference');
    expect(commandKind('The user works night shifts.')).toBe('fact');
  });
});

describe('forgetMatches', () => {
  const memories = [
    { id: 'a', content: "The user's sister is called Ana." },
    { id: 'b', content: 'The user likes jazz.' },
    { id: 'c', content: 'The user likes jazz and blues.' },
    { id: 'd', content: 'The user works as a nurse.' },
  ];
  it('matches memories that contain most of the request', () => {
    expect(forgetMatches('my sister', memories).map((m) => m.id)).toEqual(['a']);
    expect(forgetMatches('I like jazz', memories).map((m) => m.id)).toEqual(['b', 'c']);
  });
  it('a vague request matches nothing', () => {
    expect(forgetMatches('that', memories)).toEqual([]);
    expect(forgetMatches('my holiday plans', memories)).toEqual([]);
  });
});
