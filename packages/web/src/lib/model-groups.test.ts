import { describe, expect, it } from 'vitest';
import { model, provider } from '../test/model-fixtures';
import { flattenGroups, groupModels, modelMatches } from './model-groups';

const providers = [
  provider({ id: 'openai', kind: 'openai', name: 'OpenAI', local: false, baseUrl: null }),
  provider({ id: 'ollama', name: 'Ollama' }),
  provider({
    id: '0199-mine',
    kind: 'openai-compatible',
    name: 'LM Studio',
    baseUrl: 'http://127.0.0.1:1234/v1',
  }),
];
const models = [
  model('openai/gpt-4o-mini', { local: false }),
  model('ollama/llama3.2:latest'),
  model('openai/gpt-4o', { local: false }),
  model('0199-mine/qwen2.5-7b-instruct', { local: true }),
  model('ollama/gemma3:1b'),
  model('ollama/llama3.2:10b'),
];

describe('groupModels', () => {
  it('groups by provider, local providers first in server order, models by name (numbers naturally)', () => {
    const groups = groupModels(models, providers);
    expect(groups.map((g) => [g.label, g.local])).toEqual([
      ['Ollama', true],
      ['LM Studio', true],
      ['OpenAI', false],
    ]);
    expect(groups[0]!.models.map((m) => m.name)).toEqual(['gemma3:1b', 'llama3.2:10b', 'llama3.2:latest']);
    expect(groups[2]!.models.map((m) => m.name)).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(flattenGroups(groups)).toHaveLength(models.length);
  });

  it('keeps only matches when searching, by id, name or provider name, every word', () => {
    expect(groupModels(models, providers, 'llama').map((g) => g.models.map((m) => m.id))).toEqual([
      ['ollama/llama3.2:10b', 'ollama/llama3.2:latest'],
    ]);
    expect(groupModels(models, providers, 'studio').map((g) => g.label)).toEqual(['LM Studio']);
    expect(groupModels(models, providers, 'GPT mini').flatMap((g) => g.models.map((m) => m.id))).toEqual([
      'openai/gpt-4o-mini',
    ]);
    expect(groupModels(models, providers, 'claude')).toEqual([]);
  });

  it('labels a provider it does not know by its id, after the known ones', () => {
    const groups = groupModels([...models, model('llama-cpp/tiny.gguf', { local: true })], providers);
    expect(groups.map((g) => g.label)).toEqual(['Ollama', 'LM Studio', 'llama-cpp', 'OpenAI']);
  });

  it('matches case-insensitively', () => {
    expect(modelMatches(model('openai/GPT-4o'), 'gpt-4O')).toBe(true);
    expect(modelMatches(model('openai/gpt-4o'), 'ollama')).toBe(false);
  });
});
