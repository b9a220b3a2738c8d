import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, type Mock } from 'vitest';
import type { KnowledgeDocument, Memory, MemorySettings } from '../../lib/memory';
import { ada, avatar } from '../../test/avatar-fixtures';
import { apiError, fakeApi, renderApp, reply } from '../../test/render';

const nova = avatar({ name: 'Nova', memory: { enabled: true, scope: 'private' } });

let serial = 0;
function memory(overrides: Partial<Memory> = {}): Memory {
  serial++;
  return {
    id: `0199a1b2-0000-7000-8000-0000000m${String(serial).padStart(4, '0')}`,
    avatarId: nova.id,
    kind: 'fact',
    content: `Memory ${serial}`,
    importance: 0.6,
    confidence: 0.9,
    origin: 'extracted',
    sourceMessageIds: [],
    sourceConversationId: null,
    validFrom: '2026-03-01T00:00:00.000Z',
    validTo: null,
    supersededBy: null,
    pinned: false,
    embeddingModel: null,
    createdAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-03-01T00:00:00.000Z',
    lastRecalledAt: null,
    current: true,
    ...overrides,
  };
}

/** The first answer of a page waits for its code and data: give a busy machine time. */
const loaded = { timeout: 5000 };

/** The full URLs (with their queries) and methods the app requested. */
const calls = (fetch: typeof globalThis.fetch) =>
  (fetch as unknown as Mock<typeof globalThis.fetch>).mock.calls.map(([input, init]) =>
    input instanceof Request
      ? { method: input.method, url: input.url }
      : { method: init?.method ?? 'GET', url: String(input) },
  );

/** A memory server that keeps its memories the way the real one does (by id, current ones listed). */
function server({
  items = [] as Memory[],
  settings = {
    enabled: true,
    extractionModel: null,
    embeddingModel: 'ollama/nomic-embed-text',
    recallMessages: true,
  } as MemorySettings,
  documents = [] as KnowledgeDocument[],
} = {}) {
  const state = { items: [...items], settings, documents: [...documents] };
  const api = fakeApi({
    'GET /api/auth/me': () => ({ user: ada }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    'GET /api/avatars': () => ({ avatars: [nova] }),
    [`GET /api/avatars/${nova.id}`]: () => ({ avatar: nova }),
    'GET /api/settings/memory': () => state.settings,
    'GET /api/memories': (request) => {
      const url = new URL(request.url);
      const q = url.searchParams.get('q')?.toLowerCase();
      const history = url.searchParams.get('history') === 'true';
      return {
        items: state.items.filter(
          (m) => (history || m.current) && (!q || m.content.toLowerCase().includes(q)),
        ),
        nextCursor: null,
      };
    },
    'POST /api/memories': async (request) => {
      const body = (await request.json()) as Partial<Memory>;
      const made = memory({ ...body, origin: 'manual' } as Partial<Memory>);
      state.items.unshift(made);
      return reply(201, { memory: made });
    },
    'PATCH /api/memories/*': async (request) => {
      const id = new URL(request.url).pathname.split('/')[3];
      const body = (await request.json()) as Partial<Memory>;
      if (body.content === 'Refused') return apiError(400, 'invalid_request', 'content: too short');
      const found = state.items.find((m) => m.id === id);
      if (!found) return apiError(404, 'memory_not_found', 'Memory not found');
      Object.assign(found, body);
      return { memory: found };
    },
    'GET /api/memories/*': (request) => {
      const id = new URL(request.url).pathname.split('/')[3];
      return { items: state.items.filter((m) => m.id === id || m.supersededBy === id) };
    },
    'DELETE /api/memories/*': (request) => {
      const id = new URL(request.url).pathname.split('/')[3];
      state.items = state.items.filter((m) => m.id !== id);
      return reply(204);
    },
    'DELETE /api/memories': () => {
      const deleted = state.items.length;
      state.items = [];
      return { deleted };
    },
    [`GET /api/avatars/${nova.id}/documents`]: () => ({ documents: state.documents }),
  });
  return { ...api, state };
}

describe('an avatar’s memory', () => {
  afterEach(cleanup);

  it('explains memory when there is none yet, and adds one by hand under the avatar', async () => {
    const api = server();
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}/memory` });
    expect(
      await screen.findByRole('heading', { name: 'Nova doesn’t remember anything yet' }, loaded),
    ).toBeTruthy();
    expect(screen.getByText(/keeps short notes of what matters/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Add a memory' }));
    const form = screen.getByRole('form', { name: 'Add a memory' });
    await user.type(
      within(form).getByLabelText('What should Nova remember?'),
      '  My sister Ana lives in Lisbon. ',
    );
    await user.selectOptions(within(form).getByLabelText('Kind'), 'person');
    await user.click(within(form).getByRole('button', { name: 'Add' }));
    expect(await screen.findByText('My sister Ana lives in Lisbon.')).toBeTruthy();
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({
      content: 'My sister Ana lives in Lisbon.',
      kind: 'person',
      pinned: false,
      avatarId: nova.id,
    });
    expect(screen.getByRole('heading', { name: /^People/ })).toBeTruthy();
    // The list asks for what this avatar sees under its policy.
    const list = calls(api.fetch).find((c) => new URL(c.url).pathname === '/api/memories');
    expect(new URL(list?.url ?? '').searchParams.get('visibleTo')).toBe(nova.id);
  });

  it('groups by kind, links to the source message, edits in place and pins', async () => {
    const api = server({
      items: [
        memory({ kind: 'preference', content: 'Likes green tea.' }),
        memory({
          kind: 'person',
          content: 'Ana is the sister.',
          sourceConversationId: 'c1',
          sourceMessageIds: ['msg1'],
        }),
      ],
    });
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}/memory` });
    const tea = await screen.findByRole('listitem', { name: 'Likes green tea.' }, loaded);
    const headings = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(headings[0]).toMatch(/^People1/);
    expect(headings[1]).toMatch(/^Preferences1/);
    const ana = screen.getByRole('listitem', { name: 'Ana is the sister.' });
    expect(within(ana).getByRole('link', { name: 'Where it was said' }).getAttribute('href')).toBe(
      '/chat/c1?message=msg1',
    );
    expect(within(tea).queryByRole('link', { name: 'Where it was said' })).toBeNull();

    await user.click(within(tea).getByRole('button', { name: 'Edit' }));
    const box = within(tea).getByLabelText('Memory');
    await user.clear(box);
    await user.type(box, 'Likes jasmine tea.');
    await user.selectOptions(within(tea).getByLabelText('Importance'), '0.9');
    await user.click(within(tea).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Likes jasmine tea.')).toBeTruthy();
    expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
      content: 'Likes jasmine tea.',
      importance: 0.9,
    });

    const edited = screen.getByRole('listitem', { name: 'Likes jasmine tea.' });
    await user.click(within(edited).getByRole('button', { name: 'Pin' }));
    await waitFor(() =>
      expect(api.requests.filter((r) => r.method === 'PATCH').at(-1)?.body).toEqual({ pinned: true }),
    );
    expect(await within(edited).findByRole('button', { name: 'Unpin' })).toBeTruthy();
  });

  it('keeps the edit box open with the server’s reason when an edit is refused', async () => {
    const api = server({ items: [memory({ content: 'Plays chess.' })] });
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}/memory` });
    const item = await screen.findByRole('listitem', { name: 'Plays chess.' }, loaded);
    await user.click(within(item).getByRole('button', { name: 'Edit' }));
    const box = within(item).getByLabelText('Memory');
    await user.clear(box);
    await user.type(box, 'Refused');
    await user.click(within(item).getByRole('button', { name: 'Save' }));
    expect(await within(item).findByRole('alert')).toBeTruthy();
    expect(within(item).getByLabelText('Memory')).toBeTruthy();
  });

  it('hides a deleted memory at once; Undo brings it back and nothing is deleted; Delete now deletes', async () => {
    const runs = memory({ content: 'Runs daily.' });
    const runId = runs.id;
    const api = server({ items: [memory({ content: 'Has a cat.' }), runs] });
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}/memory` });
    const cat = await screen.findByRole('listitem', { name: 'Has a cat.' }, loaded);
    await user.click(within(cat).getByRole('button', { name: 'Delete' }));
    expect(screen.queryByText('Has a cat.')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    expect(await screen.findByText('Has a cat.')).toBeTruthy();
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);

    const run = screen.getByRole('listitem', { name: 'Runs daily.' });
    await user.click(within(run).getByRole('button', { name: 'Delete' }));
    await user.click(screen.getByRole('button', { name: 'Delete now' }));
    await waitFor(() =>
      expect(api.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
        `/api/memories/${runId}`,
      ]),
    );
    expect(api.state.items.map((m) => m.content)).toEqual(['Has a cat.']);
  });

  it('searches, and says when nothing matches', async () => {
    const api = server({ items: [memory({ content: 'Likes green tea.' })] });
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}/memory` });
    await screen.findByText('Likes green tea.', {}, loaded);
    await user.type(screen.getByRole('searchbox', { name: 'Search memories' }), 'coffee');
    expect(await screen.findByText('No memories match “coffee”')).toBeTruthy();
    expect(calls(api.fetch).some((c) => new URL(c.url).searchParams.get('q') === 'coffee')).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(await screen.findByText('Likes green tea.')).toBeTruthy();
  });

  it('shows the versions of a corrected fact with their dates', async () => {
    const now = memory({ content: 'Lives in Porto.', validFrom: '2026-05-02T10:00:00.000Z' });
    const before = memory({
      content: 'Lives in Lisbon.',
      current: false,
      supersededBy: now.id,
      validFrom: '2026-01-10T10:00:00.000Z',
      validTo: '2026-05-02T10:00:00.000Z',
    });
    const api = server({ items: [now, before] });
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}/memory` });
    const item = await screen.findByRole('listitem', { name: 'Lives in Porto.' }, loaded);
    expect(screen.queryByText('Lives in Lisbon.')).toBeNull();
    await user.click(within(item).getByRole('button', { name: 'History' }));
    const versions = await within(item).findByRole('list', { name: 'Versions, oldest first' });
    expect(
      within(versions)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Lives in Lisbon.10 Jan 2026 – 2 May 2026', 'Lives in Porto.2 May 2026 – now · current']);
    // Replaced facts can be listed too, marked as such.
    await user.click(screen.getByRole('checkbox', { name: 'Include replaced and forgotten' }));
    const old = await screen.findByRole('listitem', { name: 'Lives in Lisbon.' }, loaded);
    expect(within(old).getByText('Replaced 2 May 2026')).toBeTruthy();
    expect(within(old).queryByRole('button', { name: 'Edit' })).toBeNull();
  });

  it('says recall uses words only without an embedding model, and forgets everything after a confirm', async () => {
    const api = server({
      items: [memory({ content: 'Has a cat.' })],
      settings: { enabled: true, extractionModel: null, embeddingModel: null, recallMessages: true },
    });
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}/memory` });
    expect(await screen.findByText(/Recall uses full-text search only/, {}, loaded)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Memory settings' }).getAttribute('href')).toBe(
      '/settings/memory',
    );
    await screen.findByText('Has a cat.');
    await user.click(screen.getByRole('button', { name: 'More memory actions' }));
    await user.click(await screen.findByRole('menuitem', { name: /Forget everything/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Forget everything Nova knows?' });
    await user.click(within(dialog).getByRole('button', { name: 'Forget everything' }));
    expect(await screen.findByText(/Forgotten: 1 memory/)).toBeTruthy();
    const del = calls(api.fetch).find((c) => c.method === 'DELETE');
    expect(new URL(del?.url ?? '').search).toBe(`?avatarId=${nova.id}&confirm=true`);
    expect(await screen.findByRole('heading', { name: 'Nova doesn’t remember anything yet' })).toBeTruthy();
  });

  it('lists knowledge documents with their status, progress and errors', async () => {
    const doc = (overrides: Partial<KnowledgeDocument>): KnowledgeDocument => ({
      id: 'd1',
      avatarId: nova.id,
      name: 'Handbook.pdf',
      mediaType: 'application/pdf',
      sizeBytes: 120_000,
      status: 'ready',
      error: null,
      chunkCount: 12,
      embeddedCount: 12,
      pageCount: 4,
      truncated: false,
      createdAt: '2026-03-01T00:00:00.000Z',
      updatedAt: '2026-03-01T00:00:00.000Z',
      ...overrides,
    });
    const api = server({
      documents: [
        doc({}),
        doc({
          id: 'd2',
          name: 'notes.md',
          status: 'indexing',
          chunkCount: 4,
          embeddedCount: 1,
          pageCount: null,
        }),
        doc({
          id: 'd3',
          name: 'broken.docx',
          status: 'failed',
          error: { code: 'document_unreadable', message: 'The file is damaged.' },
        }),
      ],
    });
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}/knowledge` });
    const ready = await screen.findByRole('listitem', { name: 'Handbook.pdf' }, loaded);
    expect(within(ready).getByText('Ready')).toBeTruthy();
    expect(within(ready).getByText(/4 pages · 12 passages/)).toBeTruthy();
    const reading = screen.getByRole('listitem', { name: 'notes.md' });
    expect(within(reading).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('25');
    const failed = screen.getByRole('listitem', { name: 'broken.docx' });
    expect(within(failed).getByText(/The file is damaged\./)).toBeTruthy();
    // A file it cannot read is refused before any upload, with the reason.
    const picker = document.querySelector('input[type=file]') as HTMLInputElement;
    fireEvent.change(picker, { target: { files: [new File(['x'], 'photo.png', { type: 'image/png' })] } });
    expect(await screen.findByText(/Not a supported type/)).toBeTruthy();
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false);
  });
});
