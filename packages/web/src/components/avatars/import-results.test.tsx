import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImportItem, ImportResult } from '../../lib/avatar-import';
import { ada, avatar } from '../../test/avatar-fixtures';
import { renderApp } from '../../test/render';
import { ImportResults } from './import-results';

const seraphina = avatar({ name: 'Seraphina', tags: ['fantasy'] });

const done = (key: string, size: number, result: ImportResult): ImportItem => ({
  key,
  fileName: result.fileName,
  size,
  state: 'done',
  result,
});

function renderResults(items: ImportItem[]) {
  return render(
    <MemoryRouter>
      <ImportResults items={items} />
    </MemoryRouter>,
  );
}

describe('ImportResults', () => {
  afterEach(cleanup);

  it('links an imported card to its avatar and lists the warnings to check', () => {
    renderResults([
      done('a', 540_000, {
        fileName: 'default_Seraphina.png',
        ok: true,
        avatar: seraphina,
        warnings: ['The card was upgraded from Character Card V1'],
      }),
    ]);
    const link = screen.getByRole('link', { name: 'Seraphina' });
    expect(link.getAttribute('href')).toBe(`/avatars/${seraphina.id}`);
    expect(screen.getByText('Imported')).toBeTruthy();
    expect(screen.getByText('1 thing to check')).toBeTruthy();
    expect(screen.getByText('The card was upgraded from Character Card V1')).toBeTruthy();
  });

  it('explains a card error in plain words instead of the code', () => {
    renderResults([
      done('b', 2048, {
        fileName: 'holiday.png',
        ok: false,
        error: { code: 'card_not_found', message: 'No character card was found in the PNG' },
      }),
    ]);
    expect(screen.getByText('holiday.png')).toBeTruthy();
    expect(screen.getByText('Not imported')).toBeTruthy();
    expect(screen.getByText(/This picture has no character card inside/)).toBeTruthy();
    expect(screen.queryByText(/card_not_found/)).toBeNull();
  });

  it('lists the problems of an invalid Lumina XML file by line and column, in file order', () => {
    renderResults([
      done('c', 900, {
        fileName: 'nova.xml',
        ok: false,
        error: {
          code: 'invalid_avatar_xml',
          message: 'The avatar XML is not valid',
          details: {
            errors: [
              { line: 12, column: 5, message: 'Unknown element <mood>' },
              { line: 3, column: 9, message: '<name> must not be empty' },
            ],
          },
        },
      }),
    ]);
    expect(screen.getByText(/isn’t valid Lumina XML/)).toBeTruthy();
    const problems = within(screen.getByRole('list', { name: 'Problems in nova.xml' })).getAllByRole(
      'listitem',
    );
    expect(problems.map((li) => li.textContent)).toEqual([
      'Line 3:9<name> must not be empty',
      'Line 12:5Unknown element <mood>',
    ]);
  });

  it('refuses an XML file with a DTD and says why', () => {
    renderResults([
      done('d', 300, {
        fileName: 'laughs.xml',
        ok: false,
        error: { code: 'xml_dtd_forbidden', message: 'DOCTYPE is not allowed' },
      }),
    ]);
    expect(screen.getByText(/declares a DTD/)).toBeTruthy();
  });

  it('asks about a card imported before, and passes the answer on', async () => {
    const answers: string[] = [];
    render(
      <MemoryRouter>
        <ImportResults
          items={[
            done('g', 540_000, {
              fileName: 'default_Seraphina.png',
              ok: false,
              error: { code: 'already_imported', message: 'You already have “Seraphina”' },
              duplicateOf: {
                id: seraphina.id,
                name: 'Seraphina',
                createdAt: '2026-05-03T10:00:00.000Z',
                updatedAt: '2026-05-04T10:00:00.000Z',
              },
            }),
          ]}
          onResolveDuplicate={(key, answer) => answers.push(`${key}:${answer}`)}
        />
      </MemoryRouter>,
    );
    expect(screen.getByText(/You already have/).textContent).toBe(
      'You already have Seraphina from this card',
    );
    expect(screen.getByRole('link', { name: 'Seraphina' }).getAttribute('href')).toBe(
      `/avatars/${seraphina.id}`,
    );
    expect(screen.getByText(/keeps its conversations/)).toBeTruthy();
    expect(screen.queryByText('Not imported')).toBeNull();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Replace Seraphina' }));
    await user.click(screen.getByRole('button', { name: 'Keep both' }));
    await user.click(screen.getByRole('button', { name: 'Skip this file' }));
    expect(answers).toEqual(['g:replace', 'g:keep-both', 'g:skip']);
  });

  it('says when an import replaced an avatar', () => {
    renderResults([
      done('h', 10, { fileName: 'sera.png', ok: true, avatar: seraphina, warnings: [], replaced: true }),
    ]);
    expect(screen.getByText('Replaced')).toBeTruthy();
  });

  it('shows files still waiting and the one on its way', () => {
    renderResults([
      { key: 'e', fileName: 'one.json', size: 10, state: 'uploading' },
      { key: 'f', fileName: 'two.json', size: 10, state: 'queued' },
    ]);
    expect(screen.getByText('Importing…')).toBeTruthy();
    expect(screen.getByText('Waiting')).toBeTruthy();
  });
});

describe('importing from the gallery', () => {
  afterEach(cleanup);

  it('uploads each chosen file on its own and shows every result', async () => {
    const uploads: string[] = [];
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const url = new URL(request.url);
      const json = (body: unknown, status = 200) =>
        new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      const route = `${request.method} ${url.pathname}`;
      if (route === 'GET /api/auth/me') return json({ user: ada });
      if (route === 'GET /api/avatars') return json({ avatars: [seraphina] });
      if (route === 'GET /health')
        return json({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} });
      if (route === 'POST /api/avatars/import') {
        const file = (await request.formData()).get('file') as File;
        const onDuplicate = url.searchParams.get('onDuplicate');
        uploads.push(onDuplicate === 'ask' ? file.name : `${file.name}?${onDuplicate}`);
        if (file.name === 'again.png' && onDuplicate === 'ask')
          return json({
            results: [
              {
                fileName: file.name,
                ok: false,
                error: { code: 'already_imported', message: 'You already have “Seraphina”' },
                duplicateOf: {
                  id: seraphina.id,
                  name: 'Seraphina',
                  createdAt: '2026-05-03T10:00:00.000Z',
                  updatedAt: '2026-05-03T10:00:00.000Z',
                },
              },
            ],
          });
        if (file.name === 'again.png')
          return json({
            results: [{ fileName: file.name, ok: true, avatar: seraphina, warnings: [], replaced: true }],
          });
        if (file.name.endsWith('.xml'))
          return json({
            results: [
              {
                fileName: file.name,
                ok: false,
                error: {
                  code: 'invalid_avatar_xml',
                  message: 'not valid',
                  details: { errors: [{ line: 4, column: 2, message: 'Missing <greeting>' }] },
                },
              },
            ],
          });
        return json({ results: [{ fileName: file.name, ok: true, avatar: seraphina, warnings: [] }] });
      }
      return json({ error: { code: 'route_not_found', message: route } }, 404);
    }) as unknown as typeof globalThis.fetch;

    renderApp({ fetch, path: '/avatars' });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Import' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import avatars' });
    const input = dialog.querySelector('input[type=file]') as HTMLInputElement;
    await user.upload(input, [
      new File(['{}'], 'seraphina.json', { type: 'application/json' }),
      new File(['<avatar/>'], 'broken.xml', { type: 'application/xml' }),
      new File(['png'], 'again.png', { type: 'image/png' }),
    ]);

    await within(dialog).findByText('Import finished');
    expect(uploads).toEqual(['seraphina.json', 'broken.xml', 'again.png']);
    expect(within(dialog).getByText('1 imported · 1 failed · 1 already imported')).toBeTruthy();
    expect(within(dialog).getByText(/One card is one you imported before/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Replace Seraphina' }));
    await within(dialog).findByText('2 imported · 1 failed');
    expect(uploads).toEqual(['seraphina.json', 'broken.xml', 'again.png', 'again.png?replace']);
    expect(within(dialog).getByText('Replaced')).toBeTruthy();
    expect(within(dialog).getAllByRole('link', { name: 'Seraphina' })).toHaveLength(2);
    expect(within(dialog).getByText('Missing <greeting>')).toBeTruthy();
    await waitFor(() =>
      expect(
        within(dialog).getByRole('progressbar', { name: 'Import progress' }).getAttribute('aria-valuenow'),
      ).toBe('100'),
    );
  });
});
