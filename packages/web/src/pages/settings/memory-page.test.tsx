import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddingStatus, MemorySettings } from '../../lib/memory';
import { ada } from '../../test/avatar-fixtures';
import { sseResponse } from '../../test/model-fixtures';
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

const NOMIC = 'nomic-embed-text-v1.5.Q8_0.gguf';
const NOMIC_SIZE = 146_146_432;

/** GET /api/admin/local-models as the server answers it, with the default embedding model. */
const localModels = (engineInstalled: boolean, downloaded: boolean) => ({
  engineInstalled,
  modelsDir: '/srv/lumina/models',
  models: downloaded
    ? [{ file: NOMIC, sizeBytes: NOMIC_SIZE, architecture: 'nomic-bert', contextLength: 2048 }]
    : [],
  embeddingModels: [
    {
      key: 'nomic-embed-text-v1.5',
      label: 'nomic-embed-text v1.5 (Q8_0)',
      fileName: NOMIC,
      sizeBytes: NOMIC_SIZE,
      sha256: '3e24342164b3d94991ba9692fdc0dd08e3fd7362e0aacc396a9a5c54a544c3b7',
      dimensions: 768,
      license: 'Apache-2.0',
      homepage: 'https://huggingface.co/nomic-ai/nomic-embed-text-v1.5',
      downloaded,
      modelId: `llama-cpp/${NOMIC}`,
    },
  ],
});

function server(initial: Partial<MemorySettings> = {}, routes: Parameters<typeof fakeApi>[0] = {}) {
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
    ...routes,
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
    // Not an administrator: no download offer, and the admin API is never asked.
    expect(screen.queryByRole('region', { name: 'Embedding model for this server' })).toBeNull();
    expect(api.requests.some((r) => r.path.startsWith('/api/admin/'))).toBe(false);
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

  it('lets an administrator download the default embedding model with progress, then use it', async () => {
    let downloaded = false;
    const models = [model('ollama/llama3.2', false)];
    const api = server(
      {},
      {
        'GET /api/auth/me': () => ({ user: { ...ada, role: 'admin' } }),
        'GET /api/models': () => ({ models, defaultModel: null }),
        'GET /api/admin/local-models': () => localModels(true, downloaded),
        'POST /api/admin/local-models/embedding': () => {
          downloaded = true;
          models.push({ ...model(`llama-cpp/${NOMIC}`, true), provider: 'llama-cpp', name: NOMIC });
          return sseResponse([
            ['progress', { receivedBytes: 40_000_000, totalBytes: NOMIC_SIZE, bytesPerSecond: 20_000_000 }],
            ['progress', { receivedBytes: NOMIC_SIZE, totalBytes: NOMIC_SIZE, bytesPerSecond: 20_000_000 }],
            [
              'done',
              {
                fileName: NOMIC,
                sizeBytes: NOMIC_SIZE,
                sha256: 'ab'.repeat(32),
                resumed: false,
                modelId: `llama-cpp/${NOMIC}`,
              },
            ],
          ]);
        },
      },
    );
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: '/settings/memory' });

    const offer = await screen.findByRole(
      'region',
      { name: 'Embedding model for this server' },
      { timeout: 5000 },
    );
    expect(within(offer).getByText('nomic-embed-text v1.5 (Q8_0)')).toBeTruthy();
    expect(within(offer).getByText(/768 dimensions · Apache-2.0/)).toBeTruthy();
    const embedding = screen.getByLabelText('Embedding model') as HTMLSelectElement;
    expect([...embedding.options].map((o) => o.value)).toEqual(['']);

    await user.click(within(offer).getByRole('button', { name: /^Download \(\d+(\.\d+)? MB\)$/ }));
    const bar = await within(offer).findByRole('progressbar', { name: 'Embedding model download' });
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('100'));
    expect(await within(offer).findByText(/Downloaded and checked/)).toBeTruthy();
    expect(api.requests.find((r) => r.path === '/api/admin/local-models/embedding')?.body).toEqual({
      key: 'nomic-embed-text-v1.5',
    });

    // The model lists are fetched again: the picker offers the downloaded model.
    await waitFor(() =>
      expect([...embedding.options].map((o) => o.value)).toEqual(['', `llama-cpp/${NOMIC}`]),
    );
    await user.click(within(offer).getByRole('button', { name: 'Use it for memory' }));
    await waitFor(() => expect(api.state.settings.embeddingModel).toBe(`llama-cpp/${NOMIC}`));
    expect(api.requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toEqual([
      { embeddingModel: `llama-cpp/${NOMIC}` },
    ]);
    // A model is chosen: the offer goes, the progress of the vectors shows.
    await waitFor(() =>
      expect(screen.queryByRole('region', { name: 'Embedding model for this server' })).toBeNull(),
    );
    expect(await screen.findByRole('progressbar', { name: 'Embedded' })).toBeTruthy();
  });

  it('tells an administrator to install the engine first, and shows a server error as it is', async () => {
    let installed = false;
    const api = server(
      {},
      {
        'GET /api/auth/me': () => ({ user: { ...ada, role: 'admin' } }),
        'GET /api/admin/local-models': () => localModels(installed, false),
        'POST /api/admin/local-models/embedding': () =>
          sseResponse([
            ['progress', { receivedBytes: 1_000_000, totalBytes: NOMIC_SIZE, bytesPerSecond: 1_000_000 }],
            [
              'error',
              {
                code: 'checksum_mismatch',
                message: 'The downloaded file does not match the expected SHA-256',
              },
            ],
          ]),
      },
    );
    const user = userEvent.setup();
    const first = renderApp({ fetch: api.fetch, path: '/settings/memory' });
    expect(await screen.findByText(/install the embedded engine in/, {}, { timeout: 5000 })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Admin › Models' }).getAttribute('href')).toBe('/admin/models');
    first.unmount();

    installed = true;
    renderApp({ fetch: api.fetch, path: '/settings/memory' });
    const offer = await screen.findByRole(
      'region',
      { name: 'Embedding model for this server' },
      { timeout: 5000 },
    );
    await user.click(within(offer).getByRole('button', { name: /^Download/ }));
    expect(await within(offer).findByText(/does not match the expected SHA-256/)).toBeTruthy();
    expect(within(offer).getByRole('button', { name: 'Download again' })).toBeTruthy();
    expect(within(offer).queryByRole('button', { name: 'Use it for memory' })).toBeNull();
  });
});
