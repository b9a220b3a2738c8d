import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createAvatarSuggestionService } from './avatar-suggestion.service.js';
import type { ModelService } from './model.service.js';

/** A model service whose model "answers" `object` (as an adapter that did not validate would). */
const answering = (object: unknown) =>
  ({
    generateObject: async () => ({ object, modelId: 'test/model' }),
  }) as unknown as ModelService;

const input = { backstory: 'A retired lighthouse keeper who restores old radios.' };

describe('avatar suggestions', () => {
  it('turns an answer that breaks the suggestion schema into a 502 model_bad_output, not a crash', async () => {
    const service = createAvatarSuggestionService({ models: answering({ traits: ['one'], greeting: '' }) });
    const error = await service.suggest('user', input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      status: 502,
      code: 'model_bad_output',
      details: {
        modelId: 'test/model',
        issues: expect.arrayContaining([{ path: '/style', message: expect.any(String) }]),
      },
    });
  });

  it('returns an answer that fits', async () => {
    const suggestion = {
      traits: ['calm', 'wry', 'patient'],
      style: { formality: 10, verbosity: 20, warmth: 30, humor: 40, directness: 50, curiosity: 60 },
      greeting: 'Hello, {{user}}.',
    };
    const service = createAvatarSuggestionService({ models: answering(suggestion) });
    expect(await service.suggest('user', input)).toEqual({ suggestion, modelId: 'test/model' });
  });
});
