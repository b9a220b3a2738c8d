import { describe, expect, it } from 'vitest';
import { completeUsage, countTokens, encodingFor } from './adapters/token-counter.js';

describe('token counter', () => {
  it('picks o200k for the GPT-4o generation and cl100k otherwise', () => {
    expect(encodingFor('gpt-4o-mini')).toBe('o200k_base');
    expect(encodingFor('o3-mini')).toBe('o200k_base');
    expect(encodingFor('gpt-3.5-turbo')).toBe('cl100k_base');
    expect(encodingFor('llama3.2:latest')).toBe('cl100k_base');
  });

  it('counts real tokens', async () => {
    expect(await countTokens('Hello world', 'gpt-4o')).toBe(2);
    expect(await countTokens('Hello world', 'llama3')).toBe(2);
    expect(await countTokens('', 'llama3')).toBe(0);
  });

  it('keeps reported counts and counts only what is missing', async () => {
    const messages = [{ role: 'user' as const, content: 'Hello world' }];
    expect(await completeUsage({ input: 5, output: 7 }, messages, 'ignored', 'x')).toEqual({
      inputTokens: 5,
      outputTokens: 7,
      reported: true,
    });
    expect(await completeUsage({ input: 5 }, messages, 'Hello world', 'x')).toEqual({
      inputTokens: 5,
      outputTokens: 2,
      reported: false,
    });
    const counted = await completeUsage({}, messages, 'Hi', 'x');
    expect(counted.inputTokens).toBe(2 + 3 + 3);
  });
});
