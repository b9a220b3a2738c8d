import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../../../lib/session';
import { model, modelTestResponse, provider } from '../../../test/model-fixtures';
import { apiError, fakeApi, renderApp } from '../../../test/render';

const member: User = {
  id: '0199a1b2-0000-7000-8000-000000000002',
  email: 'linus@example.org',
  name: 'Linus Pauling',
  preferredName: null,
  role: 'user',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

const providers = [
  provider({ id: 'ollama', name: 'Ollama' }),
  provider({
    id: '0199a1b2-0000-7000-8000-0000000000cc',
    kind: 'openai',
    name: 'Work OpenAI',
    scope: 'user',
    baseUrl: null,
    local: false,
    hasKey: true,
    health: {
      status: 'error',
      code: 'provider_auth_failed',
      message: 'Incorrect API key provided: sk-wrong.',
      latencyMs: 80,
      checkedAt: new Date().toISOString(),
    },
  }),
];
const models = [
  model('ollama/llama3.2:latest'),
  model('ollama/gemma3:1b', { contextWindow: 32_768 }),
  model('ollama/all-minilm:latest', {
    capabilities: { tools: false, vision: false, json: false, embeddings: true },
  }),
  model('openrouter/anthropic/claude-3.5-haiku', { local: false }),
];

function api(overrides: Record<string, (request: Request) => unknown> = {}) {
  let settings: { defaultModel: string | null; fallbackModels: string[]; localOnly: boolean } = {
    defaultModel: 'ollama/llama3.2:latest',
    fallbackModels: [],
    localOnly: false,
  };
  return fakeApi({
    'GET /api/auth/me': () => ({ user: member }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    'GET /api/providers': () => ({ providers }),
    'GET /api/models': () => ({ models }),
    'GET /api/settings': () => ({ settings, instance: { localOnly: false, lockedByEnvironment: false } }),
    // Like the server: fields a PUT leaves out keep their value.
    'PUT /api/settings': async (request) => {
      settings = { ...settings, ...((await request.json()) as object) } as typeof settings;
      return { settings, instance: { localOnly: false, lockedByEnvironment: false } };
    },
    ...overrides,
  });
}

describe('ModelsPage', () => {
  afterEach(cleanup);

  it('shows each provider’s health in plain words next to it', async () => {
    renderApp({ fetch: api().fetch, path: '/settings/models' });
    const list = await screen.findByRole('region', { name: 'Providers' });
    const openai = (await within(list).findByRole('heading', { name: 'Work OpenAI' })).closest('li')!;
    expect(within(openai).getByText('Key refused')).toBeTruthy();
    expect(within(openai).getByText('The API key was refused.')).toBeTruthy();
    expect(within(openai).getByText('provider_auth_failed')).toBeTruthy();
    const ollama = within(list).getByRole('heading', { name: 'Ollama' }).closest('li')!;
    expect(within(ollama).getByText('Working')).toBeTruthy();
    expect(within(ollama).getByText(/12 ms to answer/)).toBeTruthy();
  });

  it('picks a fallback from a searchable list grouped by provider, without embedding models', async () => {
    const fake = api();
    renderApp({ fetch: fake.fetch, path: '/settings/models' });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Add a fallback model' }));
    const listbox = screen.getByRole('listbox', { name: 'Add a fallback model' });
    const groups = within(listbox).getAllByRole('group');
    expect(groups.map((g) => g.textContent?.slice(0, 20))).toEqual([
      expect.stringContaining('Ollama'),
      expect.stringContaining('openrouter'),
    ]);
    // The default is not offered again, and embedding models never.
    expect(within(listbox).queryByRole('option', { name: /llama3.2:latest/ })).toBeNull();
    expect(within(listbox).queryByRole('option', { name: /all-minilm/ })).toBeNull();
    expect(within(groups[0]!).getByRole('option', { name: /gemma3:1b.*32K context/ })).toBeTruthy();

    await user.type(screen.getByRole('combobox', { name: /Search models/ }), 'claude');
    expect(within(listbox).getAllByRole('option')).toHaveLength(1);
    await user.keyboard('{Enter}');
    await screen.findByText('Fallback added.');
    // The whole settings object goes along, so the default model is kept.
    // Only what changed is sent: the server keeps the rest.
    expect(fake.requests.find((r) => r.method === 'PUT')?.body).toEqual({
      fallbackModels: ['openrouter/anthropic/claude-3.5-haiku'],
    });
    expect(screen.getByRole('button', { name: /^Default model/ }).textContent).toContain('llama3.2:latest');
    expect(screen.getByRole('list', { name: /Fallbacks/ }).textContent).toContain('claude-3.5-haiku');
  });

  it('streams a Try it reply with the fallback timeline and the summary', async () => {
    const fake = api({
      'POST /api/models/test': () =>
        modelTestResponse([
          { type: 'attempt', modelId: 'openrouter/anthropic/claude-3.5-haiku', attempt: 1 },
          {
            type: 'failed',
            modelId: 'openrouter/anthropic/claude-3.5-haiku',
            code: 'provider_unavailable',
            message: 'fetch failed',
            willRetry: false,
          },
          { type: 'attempt', modelId: 'ollama/llama3.2:latest', attempt: 1 },
          { type: 'model', modelId: 'ollama/llama3.2:latest' },
          { type: 'text-delta', delta: 'I can ' },
          { type: 'text-delta', delta: 'help.' },
          { type: 'usage-source', reported: false },
          { type: 'usage', inputTokens: 14, outputTokens: 3, costUsd: null },
          {
            type: 'finish',
            status: 'complete',
            finishReason: 'stop',
            timings: { timeToFirstTokenMs: 212, durationMs: 1430 },
          },
        ]),
    });
    renderApp({ fetch: fake.fetch, path: '/settings/models' });
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'Try a model' });
    await user.click(within(form).getByRole('button', { name: 'Send' }));

    await screen.findByText('Fell back to ollama/llama3.2:latest');
    expect(
      screen.getByText(
        /openrouter\/anthropic\/claude-3.5-haiku failed: provider_unavailable — trying the next model…/,
      ),
    ).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Reply' }).textContent).toBe('I can help.');
    const summary = screen.getByLabelText('Call summary');
    expect(within(summary).getByText('14 in · 3 out')).toBeTruthy();
    expect(within(summary).getByText('estimated')).toBeTruthy();
    expect(within(summary).getByText('—')).toBeTruthy();
    expect(within(summary).getByText('212 ms')).toBeTruthy();
    expect(within(summary).getByText('1.4 s')).toBeTruthy();
    const sent = fake.requests.find((r) => r.path === '/api/models/test');
    expect(sent?.body).toEqual({ prompt: 'In one sentence: what can you help me with?' });
  });

  it('explains local-only mode when the server refuses a cloud model', async () => {
    const fake = api({
      'POST /api/models/test': () =>
        apiError(403, 'local_only', 'OpenRouter is a cloud provider, and local-only mode is on'),
    });
    renderApp({ fetch: fake.fetch, path: '/settings/models' });
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'Try a model' });
    await user.click(within(form).getByRole('button', { name: /^Model Your default model/ }));
    await user.click(screen.getByRole('option', { name: /claude-3.5-haiku/ }));
    await user.click(within(form).getByRole('button', { name: 'Send' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(
      /Local-only mode is on, so this cloud model can’t be used/,
    );
    expect(fake.requests.find((r) => r.path === '/api/models/test')?.body).toMatchObject({
      model: 'openrouter/anthropic/claude-3.5-haiku',
    });
  });
});
