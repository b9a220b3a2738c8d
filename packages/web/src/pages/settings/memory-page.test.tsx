import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddingStatus, MemorySettings } from '../../lib/memory';
import { ada } from '../../test/avatar-fixtures';
import { fakeApi, renderApp, reply } from '../../test/render';

const model = (id: string, embeddings: boolean) => ({
  id,
  provider: 'ollama',
  name: id.split('/')[1],
  contextWindow: 8192,
  capabilities: { tools: false, vision: false, json: true, embeddings },
  local: true,
  settings: [],
});

function server(initial: Partial<MemorySettings> = {}) {
  const state = {
    settings: {
      enabled: true,
      extractionModel: null,
      embeddingModel: null,
      recallMessages: true,
      ...initial,
    },
    progress: {
      model: 'ollama/nomic-embed-text',
      dimensions: 768,
      memories: { total: 10, embedded: 4 },
      messages: { total: 10, embedded: 4 },
      documents: { total: 0, embedded: 0 },
      running: false,
    } as EmbeddingStatus,
  };
  const api = fakeApi({
    'GET /api/auth/me': () => ({ user: ada }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    'GET /api/providers': () => ({ providers: [] }),
    'GET /api/models': () => ({
      models: [model('ollama/llama3.2', false), model('ollama/nomic-embed-text', true)],
      defaultModel: null,
    }),
    'GET /api/settings/memory': () => state.settings,
    'PATCH /api/settings/memory': async (request) => {
      Object.assign(state.settings, await request.json());
      return state.settings;
    },
    'GET /api/memories/embedding': () => state.progress,
    'POST /api/memories/embedding/rebuild': () => {
      state.progress = { ...state.progress, running: true };
      return reply(202, state.progress);
    },
  });
  return { ...api, state };
}

describe('Settings › Memory', () => {
  afterEach(cleanup);

  it('offers only embedding models as embedding models, and saves each choice', async () => {
    const api = server();
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: '/settings/memory' });
    const embedding = (await screen.findByLabelText(
      'Embedding model',
      {},
      { timeout: 5000 },
    )) as HTMLSelectElement;
    expect([...embedding.options].map((o) => o.textContent)).toEqual([
      'None — full-text search only',
      'ollama/nomic-embed-text',
    ]);
    const extraction = screen.getByLabelText('Model that picks what to remember') as HTMLSelectElement;
    expect([...extraction.options].map((o) => o.value)).toEqual(['', 'ollama/llama3.2']);
    expect(screen.getByText(/None: recall uses full-text search only/)).toBeTruthy();

    await user.selectOptions(embedding, 'ollama/nomic-embed-text');
    await waitFor(() => expect(api.state.settings.embeddingModel).toBe('ollama/nomic-embed-text'));
    // The progress of the vectors shows once a model is chosen.
    const progress = await screen.findByRole('progressbar', { name: 'Embedded' });
    expect(progress.getAttribute('aria-valuenow')).toBe('40');
    await user.click(screen.getByRole('button', { name: 'Rebuild all' }));
    expect(await screen.findByRole('button', { name: 'Rebuilding…' })).toBeTruthy();

    await user.click(screen.getByRole('switch', { name: 'Recall past conversations' }));
    await waitFor(() => expect(api.state.settings.recallMessages).toBe(false));
    await user.click(screen.getByRole('switch', { name: 'Memory' }));
    await waitFor(() => expect(api.state.settings.enabled).toBe(false));
    expect(api.requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toEqual([
      { embeddingModel: 'ollama/nomic-embed-text' },
      { recallMessages: false },
      { enabled: false },
    ]);
    expect(await screen.findByText(/Off: no avatar learns or recalls anything/)).toBeTruthy();
    expect((screen.getByLabelText('Embedding model') as HTMLSelectElement).disabled).toBe(true);
    const section = screen.getByRole('region', { name: 'Your memories' });
    expect(within(section).getByRole('link', { name: 'Export as JSON' }).getAttribute('href')).toBe(
      '/api/memories/export',
    );
  });
});
