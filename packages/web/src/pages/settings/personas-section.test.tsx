import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ada } from '../../test/avatar-fixtures';
import { apiError, fakeApi, renderApp } from '../../test/render';

type Persona = { id: string; name: string; description: string; imageId?: string | null };

/** A settings server that keeps personas the way the real one does (ids given to new ones). */
function api() {
  const state = { personas: [] as Persona[], defaultPersonaId: null as string | null };
  let serial = 0;
  const answer = () => ({
    settings: { defaultModel: null, fallbackModels: [], localOnly: false, ...state },
    instance: { localOnly: false, lockedByEnvironment: false },
    limits: { maxMessageChars: 100 },
  });
  return {
    state,
    ...fakeApi({
      'GET /api/auth/me': () => ({ user: ada }),
      'GET /api/auth/sessions': () => ({ sessions: [] }),
      'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
      'GET /api/settings': answer,
      'PUT /api/settings': async (request) => {
        const body = (await request.json()) as {
          personas?: (Omit<Persona, 'id'> & { id?: string })[];
          defaultPersonaId?: string | null;
        };
        if (body.personas?.some((p) => p.name === 'Refused')) return apiError(400, 'invalid_request', 'No.');
        if (body.personas) {
          state.personas = body.personas.map((p) => ({
            ...p,
            id: p.id ?? `0199a1b2-0000-7000-8000-00000000e00${++serial}`,
          }));
          if (!state.personas.some((p) => p.id === state.defaultPersonaId)) state.defaultPersonaId = null;
        }
        if (body.defaultPersonaId !== undefined) state.defaultPersonaId = body.defaultPersonaId;
        return answer();
      },
      'PUT /api/settings/personas/*': (request) => {
        const id = new URL(request.url).pathname.split('/')[4];
        const persona = state.personas.find((p) => p.id === id);
        if (!persona) return apiError(404, 'persona_not_found', 'Persona not found');
        persona.imageId = `0199a1b2-0000-7000-8000-0000000f11e${++serial}`;
        return { settings: answer().settings };
      },
      'DELETE /api/settings/personas/*': (request) => {
        const id = new URL(request.url).pathname.split('/')[4];
        const persona = state.personas.find((p) => p.id === id);
        if (!persona) return apiError(404, 'persona_not_found', 'Persona not found');
        persona.imageId = null;
        return { settings: answer().settings };
      },
    }),
  };
}

const putBodies = (server: ReturnType<typeof api>) =>
  server.requests.filter((r) => r.method === 'PUT' && r.path === '/api/settings').map((r) => r.body);

describe('Settings → Profile → Personas', () => {
  afterEach(cleanup);

  it('starts empty, adds, edits, marks default and deletes a persona', async () => {
    const server = api();
    renderApp({ fetch: server.fetch, path: '/settings/profile' });
    expect(await screen.findByText('No personas yet')).toBeTruthy();
    expect(screen.getByText(/Avatars know you as Ada\./)).toBeTruthy();

    // Add: a blank name is refused before any request.
    fireEvent.click(screen.getByRole('button', { name: 'New persona' }));
    let dialog = await screen.findByRole('dialog', { name: 'New persona' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('Give the persona a name.')).toBeTruthy();
    expect(putBodies(server)).toEqual([]);
    fireEvent.change(within(dialog).getByLabelText(/Name/), { target: { value: '  Sir Lancelot ' } });
    fireEvent.change(within(dialog).getByLabelText('Description'), { target: { value: 'A knight. ' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(putBodies(server)).toEqual([{ personas: [{ name: 'Sir Lancelot', description: 'A knight.' }] }]);
    const list = await screen.findByRole('list', { name: 'Personas' });
    expect(within(list).getByText('Sir Lancelot')).toBeTruthy();
    const id = server.state.personas[0]!.id;

    // Edit keeps the id.
    fireEvent.click(screen.getByRole('button', { name: 'Edit Sir Lancelot' }));
    dialog = await screen.findByRole('dialog', { name: 'Edit “Sir Lancelot”' });
    fireEvent.change(within(dialog).getByLabelText(/Name/), { target: { value: 'Sir Galahad' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await screen.findByText('Sir Galahad');
    expect(putBodies(server).at(-1)).toEqual({
      personas: [{ id, name: 'Sir Galahad', description: 'A knight.' }],
    });

    // Default on, shown as such.
    fireEvent.click(screen.getByRole('button', { name: 'Make Sir Galahad the default' }));
    await screen.findByText('Default');
    expect(putBodies(server).at(-1)).toEqual({ defaultPersonaId: id });
    expect(screen.getByRole('button', { name: 'Stop using Sir Galahad by default' })).toBeTruthy();

    // Delete, confirmed.
    fireEvent.click(screen.getByRole('button', { name: 'Delete Sir Galahad' }));
    dialog = await screen.findByRole('dialog', { name: 'Delete “Sir Galahad”?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('No personas yet')).toBeTruthy();
    expect(putBodies(server).at(-1)).toEqual({ personas: [] });
  });

  it('gives a new persona a picture after saving it, shows it, and removes it', async () => {
    const server = api();
    const { container } = renderApp({ fetch: server.fetch, path: '/settings/profile' });
    fireEvent.click(await screen.findByRole('button', { name: 'New persona' }));
    let dialog = await screen.findByRole('dialog', { name: 'New persona' });
    fireEvent.change(within(dialog).getByLabelText(/Name/), { target: { value: 'Mara' } });
    const input = within(dialog).getByLabelText('Persona picture') as HTMLInputElement;
    // Not a picture: said at once, nothing sent.
    fireEvent.change(input, { target: { files: [new File(['hi'], 'notes.txt', { type: 'text/plain' })] } });
    expect(await within(dialog).findByRole('alert')).toHaveProperty(
      'textContent',
      'Choose a PNG, JPEG or WebP picture.',
    );
    fireEvent.change(input, { target: { files: [new File(['png'], 'mara.png', { type: 'image/png' })] } });
    await within(dialog).findByRole('button', { name: 'Change picture' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const id = server.state.personas[0]!.id;
    const uploads = server.requests.filter((r) => r.path === `/api/settings/personas/${id}/picture`);
    expect(uploads.map((r) => [r.method, r.body])).toEqual([['PUT', 'png']]);
    await waitFor(() =>
      expect(container.querySelector(`img[src^="/api/settings/personas/${id}/picture?v="]`)).not.toBeNull(),
    );

    // Removing it in the dialog deletes it on save.
    fireEvent.click(screen.getByRole('button', { name: 'Edit Mara' }));
    dialog = await screen.findByRole('dialog', { name: 'Edit “Mara”' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove picture' }));
    expect(within(dialog).getByRole('button', { name: 'Add picture' })).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(server.state.personas[0]!.imageId).toBeNull());
    expect(container.querySelector('img[src^="/api/settings/personas/"]')).toBeNull();
  });

  it('keeps the dialog open with the server’s error', async () => {
    const server = api();
    renderApp({ fetch: server.fetch, path: '/settings/profile' });
    fireEvent.click(await screen.findByRole('button', { name: 'New persona' }));
    const dialog = await screen.findByRole('dialog', { name: 'New persona' });
    fireEvent.change(within(dialog).getByLabelText(/Name/), { target: { value: 'Refused' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByRole('alert')).toBeTruthy();
    expect(screen.getByRole('dialog', { name: 'New persona' })).toBeTruthy();
  });
});
