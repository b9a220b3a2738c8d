import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { Avatar } from '../../lib/avatars';
import { type Lorebook, type LorebookEntry, newLorebookEntry } from '../../lib/lorebooks';
import { avatar } from '../../test/avatar-fixtures';
import { apiError, fakeApi, renderWithApp } from '../../test/render';
import { LorebookEditor } from './lorebook-editor';

const forest: LorebookEntry = {
  ...newLorebookEntry(),
  id: 0,
  keys: ['eldoria', 'forest'],
  content: 'Eldoria is the forest {{char}} guards.',
  extensions: { display_index: 0 },
  extra: { vectorized: false },
};
const fangs: LorebookEntry = {
  ...newLorebookEntry(),
  id: 1,
  comment: 'The Shadowfangs',
  keys: ['/shadow ?fangs?/i'],
  content: 'Wolves of darkness.',
  constant: true,
  extensions: { sticky: 2 },
  extra: {},
};
const book: Lorebook = {
  scanDepth: null,
  tokenBudget: null,
  recursiveScanning: null,
  extensions: {},
  extra: { originalData: { name: 'Eldoria' } },
  entries: [forest, fangs],
};

function server(withBook: Avatar) {
  let stored = structuredClone(book);
  return fakeApi({
    [`GET /api/avatars/${withBook.id}/lorebook/document`]: () => ({ lorebook: stored }),
    [`PUT /api/avatars/${withBook.id}/lorebook/document`]: async (request) => {
      const { lorebook } = (await request.json()) as { lorebook: Lorebook };
      if (lorebook.entries.some((e) => e.content === 'fail')) return apiError(500, 'internal_error', 'boom');
      stored = { ...lorebook, entries: lorebook.entries.map((e, i) => ({ ...e, id: e.id ?? 10 + i })) };
      return {
        avatar: { ...withBook, lorebook: { name: null, entryCount: stored.entries.length } },
        lorebook: stored,
        warnings: [],
      };
    },
    [`PUT /api/avatars/${withBook.id}/lorebook`]: async (request) => {
      const file = (await request.json()) as { entries: Record<string, unknown> };
      if (!('entries' in file))
        return apiError(422, 'lorebook_invalid', 'This JSON is not a lorebook: it has no "entries"');
      return {
        avatar: { ...withBook, lorebook: { name: null, entryCount: Object.keys(file.entries).length } },
        warnings: ['Unknown entry position 9; read as before_char'],
      };
    },
    [`DELETE /api/avatars/${withBook.id}/lorebook`]: () => ({ avatar: { ...withBook, lorebook: null } }),
  });
}

/** The lorebook a recorded PUT sent (fails the test when there was no PUT). */
function sentBook(request: { body: unknown } | undefined): Lorebook {
  if (!request) throw new Error('no lorebook was sent');
  return (request.body as { lorebook: Lorebook }).lorebook;
}

const worldInfoFile = (body: unknown, name = 'Eldoria.json') =>
  new File([typeof body === 'string' ? body : JSON.stringify(body)], name, { type: 'application/json' });

describe('LorebookEditor', () => {
  afterEach(cleanup);

  it('explains what to do when there is no lorebook, and writes the first entry', async () => {
    const seraphina = avatar({ name: 'Seraphina', lorebook: null });
    const api = server(seraphina);
    const user = userEvent.setup();
    renderWithApp(<LorebookEditor avatar={seraphina} readOnly={false} />, { fetch: api.fetch });
    expect(screen.getByText('No lorebook yet')).toBeTruthy();
    expect(screen.getByText(/Attach a SillyTavern World Info file/)).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Add first entry' }));
    const dialog = await screen.findByRole('dialog', { name: 'New lorebook entry' });
    await user.type(within(dialog).getByLabelText('Title (optional)'), 'The glade');
    await user.type(within(dialog).getByLabelText('Keywords'), 'glade, clearing{Enter}');
    await user.type(within(dialog).getByLabelText('Content'), 'A sunlit clearing.');
    await user.click(within(dialog).getByRole('button', { name: 'Add entry' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const put = api.requests.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/api/avatars/${seraphina.id}/lorebook/document`);
    expect(sentBook(put).entries).toEqual([
      expect.objectContaining({
        comment: 'The glade',
        keys: ['glade', 'clearing'],
        content: 'A sunlit clearing.',
      }),
    ]);
    expect(screen.getByText('Saved “The glade”.')).toBeTruthy();
  });

  it('lists the entries and edits one, keeping the others and unknown fields as they were', async () => {
    const seraphina = avatar({ name: 'Seraphina', lorebook: { name: null, entryCount: 2 } });
    const api = server(seraphina);
    const user = userEvent.setup();
    renderWithApp(<LorebookEditor avatar={seraphina} readOnly={false} />, { fetch: api.fetch });
    const list = await screen.findByRole('list', { name: 'Lorebook entries' });
    const rows = within(list)
      .getAllByRole('listitem')
      .filter((li) => li.parentElement === list);
    expect(rows.map((row) => within(row).getByRole('heading').textContent)).toEqual([
      'eldoria, forest',
      'The Shadowfangs',
    ]);
    expect(within(rows[1]!).getByText('Always on')).toBeTruthy();
    expect(screen.getByText(/2 entries · No token limit · Scans the last 2 messages/)).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Edit eldoria, forest' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit “eldoria, forest”' });
    // A broken regular expression is caught before anything is sent.
    await user.type(within(dialog).getByLabelText('Keywords'), '/wyrm(/{Enter}');
    await user.click(within(dialog).getByRole('button', { name: 'Save entry' }));
    expect(within(dialog).getByText(/“\/wyrm\(\/” isn’t a valid regular expression/)).toBeTruthy();
    expect(api.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);

    await user.click(within(dialog).getByRole('button', { name: 'Remove /wyrm(/' }));
    await user.type(within(dialog).getByLabelText('Keywords'), '/(wyrm|drake){{1,2}/i{Enter}');
    await user.type(within(dialog).getByLabelText('Title (optional)'), 'Eldoria');
    await user.selectOptions(within(dialog).getByLabelText('Letter case'), 'yes');
    await user.selectOptions(within(dialog).getByLabelText('Position'), 'at_depth');
    await user.clear(within(dialog).getByLabelText('Messages back'));
    await user.type(within(dialog).getByLabelText('Messages back'), '2');
    await user.clear(within(dialog).getByLabelText('Insertion order'));
    await user.type(within(dialog).getByLabelText('Insertion order'), '7');
    await user.click(within(dialog).getByRole('switch', { name: 'Always on' }));
    await user.click(within(dialog).getByRole('button', { name: 'Save entry' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const sent = sentBook(api.requests.find((r) => r.method === 'PUT'));
    expect(sent.extra).toEqual(book.extra);
    expect(sent.entries[0]).toEqual({
      ...forest,
      comment: 'Eldoria',
      keys: ['eldoria', 'forest', '/(wyrm|drake){1,2}/i'], // the comma inside the expression did not split it
      caseSensitive: true,
      position: 'at_depth',
      depth: 2,
      insertionOrder: 7,
      constant: true,
    });
    expect(sent.entries[1]).toEqual(fangs);
    expect(await screen.findByRole('heading', { name: 'Eldoria' })).toBeTruthy();
  });

  it('changes the book settings and deletes an entry after asking', async () => {
    const seraphina = avatar({ name: 'Seraphina', lorebook: { name: null, entryCount: 2 } });
    const api = server(seraphina);
    const user = userEvent.setup();
    renderWithApp(<LorebookEditor avatar={seraphina} readOnly={false} />, { fetch: api.fetch });
    await screen.findByRole('list', { name: 'Lorebook entries' });

    await user.click(screen.getByRole('button', { name: 'Settings' }));
    const settings = await screen.findByRole('dialog', { name: 'Lorebook settings' });
    await user.type(within(settings).getByLabelText('Token budget (optional)'), 'lots');
    await user.click(within(settings).getByRole('button', { name: 'Save settings' }));
    expect(within(settings).getByText(/Enter a number of tokens/)).toBeTruthy();
    await user.clear(within(settings).getByLabelText('Token budget (optional)'));
    await user.type(within(settings).getByLabelText('Token budget (optional)'), '600');
    await user.type(within(settings).getByLabelText('Scan depth (optional)'), '4');
    await user.click(within(settings).getByRole('button', { name: 'Save settings' }));
    await screen.findByText(/600 tokens at most · Scans the last 4 messages · Entries can trigger entries/);
    const first = sentBook(api.requests.find((r) => r.method === 'PUT'));
    // Recursion was left alone, so it stays unset (the default) rather than written as true.
    expect(first).toMatchObject({ tokenBudget: 600, scanDepth: 4, recursiveScanning: null });

    await user.click(screen.getByRole('button', { name: 'Delete The Shadowfangs' }));
    const confirm = await screen.findByRole('dialog', { name: 'Delete “The Shadowfangs”?' });
    await user.click(within(confirm).getByRole('button', { name: 'Delete entry' }));
    await screen.findByText('Deleted “The Shadowfangs”.');
    const last = sentBook(api.requests.filter((r) => r.method === 'PUT').at(-1));
    expect(last.entries.map((e) => e.id)).toEqual([0]);
  });

  it('attaches a World Info file, asking before it replaces the lorebook, and explains a bad one', async () => {
    const seraphina = avatar({ name: 'Seraphina', lorebook: { name: null, entryCount: 2 } });
    const api = server(seraphina);
    const user = userEvent.setup();
    renderWithApp(<LorebookEditor avatar={seraphina} readOnly={false} />, { fetch: api.fetch });
    await screen.findByRole('list', { name: 'Lorebook entries' });
    const input = screen.getByTestId('world-info-input') as HTMLInputElement;

    await user.upload(input, worldInfoFile('not json at all', 'notes.json'));
    expect(await screen.findByText(/That file isn’t JSON/)).toBeTruthy();

    await user.upload(
      input,
      worldInfoFile({ entries: { 0: { key: ['a'] }, 1: { key: ['b'] }, 2: { key: ['c'] } } }),
    );
    const confirm = await screen.findByRole('dialog', { name: 'Replace the lorebook?' });
    await user.click(within(confirm).getByRole('button', { name: 'Replace lorebook' }));
    await screen.findByText(/Attached Eldoria.json: 3 entries\./);
    expect(screen.getByText('Unknown entry position 9; read as before_char')).toBeTruthy();

    await user.upload(input, worldInfoFile({ name: 'not a book' }));
    const again = await screen.findByRole('dialog', { name: 'Replace the lorebook?' });
    await user.click(within(again).getByRole('button', { name: 'Replace lorebook' }));
    expect(await within(again).findByText(/isn’t a World Info lorebook Lumina can read/)).toBeTruthy();
  });

  it('finds entries by title, keyword or content in a big book, and edits the one found', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      ...newLorebookEntry(),
      id: i,
      comment: `Place ${i}`,
      keys: [`place${i}`],
      content: i === 7 ? 'Home of the Shadowfangs.' : 'A quiet spot.',
    }));
    const seraphina = avatar({ name: 'Seraphina', lorebook: { name: null, entryCount: 12 } });
    const api = fakeApi({
      [`GET /api/avatars/${seraphina.id}/lorebook/document`]: () => ({
        lorebook: { ...book, entries: many },
      }),
    });
    const user = userEvent.setup();
    renderWithApp(<LorebookEditor avatar={seraphina} readOnly={false} />, { fetch: api.fetch });
    const list = await screen.findByRole('list', { name: 'Lorebook entries' });
    const search = screen.getByRole('searchbox', { name: 'Find an entry' });
    await user.type(search, 'shadowfang{Enter}');
    const headings = within(list).getAllByRole('heading');
    expect(headings.map((h) => h.textContent)).toEqual(['Place 7']);
    await user.click(screen.getByRole('button', { name: 'Edit Place 7' }));
    expect(await screen.findByRole('dialog', { name: 'Edit “Place 7”' })).toBeTruthy();
    await user.keyboard('{Escape}');
    await user.clear(search);
    await user.type(search, 'nowhere');
    expect(screen.getByText('No entry matches “nowhere”.')).toBeTruthy();
  });

  it('shows someone else’s lorebook read-only, with the export', async () => {
    const shared = avatar({ name: 'Guide', owned: false, lorebook: { name: null, entryCount: 2 } });
    renderWithApp(<LorebookEditor avatar={shared} readOnly />, { fetch: server(shared).fetch });
    await screen.findByRole('list', { name: 'Lorebook entries' });
    expect(screen.queryByRole('button', { name: /^Edit/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add entry' })).toBeNull();
    const link = screen.getByRole('link', { name: 'Export World Info' });
    expect(link.getAttribute('href')).toBe(`/api/avatars/${shared.id}/lorebook`);
  });
});
