import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { useAvatar } from '../../lib/avatars';
import type { ImageGenerationStatus } from '../../lib/image-generation';
import { avatar } from '../../test/avatar-fixtures';
import { apiError, fakeApi, renderWithApp } from '../../test/render';
import { PictureField } from './picture-field';

const nova = avatar({ name: 'Nova' });
const painted = {
  ...nova,
  hasCustomImage: true,
  imageUrl: `/api/avatars/${nova.id}/image?v=0199a1b2-1111-7000-8000-000000000001`,
};

function server(
  status: ImageGenerationStatus,
  generate: (request: Request) => unknown = () => ({ avatar: painted }),
) {
  return fakeApi({
    'GET /api/image-generation': () => status,
    [`POST /api/avatars/${nova.id}/image/generate`]: generate,
  });
}

const available: ImageGenerationStatus = { available: true, backend: 'comfyui', reason: null };

describe('PictureField picture generation', () => {
  afterEach(cleanup);

  it('offers nothing when the server has no image service', async () => {
    const api = server({ available: false, backend: null, reason: 'not_configured' });
    renderWithApp(<PictureField avatar={nova} readOnly={false} />, { fetch: api.fetch });
    await waitFor(() => expect(api.requests.some((r) => r.path === '/api/image-generation')).toBe(true));
    expect(screen.getByRole('button', { name: 'Upload picture' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Generate picture' })).toBeNull();
  });

  it('explains why it is off in privacy mode', async () => {
    renderWithApp(<PictureField avatar={nova} readOnly={false} />, {
      fetch: server({ available: false, backend: 'openai', reason: 'local_only' }).fetch,
    });
    expect(await screen.findByText(/Picture generation is off: privacy mode/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Generate picture' })).toBeNull();
  });

  it('generates from a prompt with a progress bar, then closes and announces the new picture', async () => {
    let finish: () => void = () => {};
    const api = server(
      available,
      () => new Promise((resolve) => (finish = () => resolve({ avatar: painted }))),
    );
    const user = userEvent.setup();
    renderWithApp(<PictureField avatar={nova} readOnly={false} />, { fetch: api.fetch });
    await user.click(await screen.findByRole('button', { name: 'Generate picture' }));
    const dialog = await screen.findByRole('dialog', { name: 'Generate a picture' });
    expect(within(dialog).getByText(/asks ComfyUI on your server to draw Nova/)).toBeTruthy();
    await user.type(within(dialog).getByLabelText(/What should it show/), 'An owl in watercolour');
    await user.click(within(dialog).getByRole('button', { name: 'Generate' }));
    expect(await within(dialog).findByRole('progressbar', { name: 'Generating the picture' })).toBeTruthy();
    expect(within(dialog).getByText(/Drawing… 0 s/)).toBeTruthy();
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.body).toEqual({ prompt: 'An owl in watercolour' });

    finish();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByText('Picture generated.')).toBeTruthy();
  });

  it('says what went wrong, in plain words', async () => {
    const api = server(available, () =>
      apiError(
        504,
        'image_generation_timeout',
        'The image service (comfyui) did not finish within 120 seconds',
      ),
    );
    const user = userEvent.setup();
    renderWithApp(<PictureField avatar={nova} readOnly={false} />, { fetch: api.fetch });
    await user.click(await screen.findByRole('button', { name: 'Generate picture' }));
    const dialog = await screen.findByRole('dialog', { name: 'Generate a picture' });
    await user.click(within(dialog).getByRole('button', { name: 'Generate' }));
    expect(await within(dialog).findByText(/The image service took too long/)).toBeTruthy();
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({});
  });

  it('cancels the request when Cancel is pressed', async () => {
    let aborted = false;
    const api = server(
      available,
      (request) =>
        new Promise((_resolve, reject) =>
          request.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new DOMException('aborted', 'AbortError'));
          }),
        ),
    );
    const user = userEvent.setup();
    renderWithApp(<PictureField avatar={nova} readOnly={false} />, { fetch: api.fetch });
    await user.click(await screen.findByRole('button', { name: 'Generate picture' }));
    const dialog = await screen.findByRole('dialog', { name: 'Generate a picture' });
    await user.click(within(dialog).getByRole('button', { name: 'Generate' }));
    await within(dialog).findByRole('progressbar');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(aborted).toBe(true));
  });
});

describe('PictureField picture from a link', () => {
  afterEach(cleanup);

  const link = 'https://pictures.example.org/nova.png';

  /** The field as the editor shows it: fed from the avatar query, so a new picture shows at once. */
  function Editor() {
    const { data } = useAvatar(nova.id);
    return data ? <PictureField avatar={data} readOnly={false} /> : null;
  }

  function linkServer(importFromUrl: (request: Request) => unknown) {
    return fakeApi({
      'GET /api/image-generation': () => ({ available: false, backend: null, reason: 'not_configured' }),
      [`GET /api/avatars/${nova.id}`]: () => ({ avatar: nova }),
      [`POST /api/avatars/${nova.id}/image/url`]: importFromUrl,
    });
  }

  async function openDialog(api: ReturnType<typeof linkServer>) {
    const user = userEvent.setup();
    renderWithApp(<Editor />, { fetch: api.fetch });
    await user.click(await screen.findByRole('button', { name: 'From a link' }));
    const dialog = await screen.findByRole('dialog', { name: 'Picture from a link' });
    const input = within(dialog).getByRole('textbox', { name: 'Picture link' });
    return { user, dialog, input };
  }

  it('imports the picture, busy while the server downloads it, and shows the new one at once', async () => {
    let finish: () => void = () => {};
    const api = linkServer(() => new Promise((resolve) => (finish = () => resolve({ avatar: painted }))));
    const { user, dialog, input } = await openDialog(api);
    const picture = () => document.querySelector('button[aria-describedby] img')?.getAttribute('src');
    expect(picture()).toBe(nova.imageUrl);
    expect(document.activeElement).toBe(input);
    expect(input.getAttribute('type')).toBe('url');

    await user.type(input, ` ${link} `);
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    const busy = await within(dialog).findByRole('button', { name: 'Importing…' });
    expect(busy.getAttribute('aria-busy')).toBe('true');
    expect((busy as HTMLButtonElement).disabled).toBe(true);
    expect(within(dialog).getByRole('status').textContent).toBe('Downloading the picture…');
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ url: link });

    finish();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(picture()).toBe(painted.imageUrl);
    expect(screen.getByText('Picture imported from the link.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Use generated face' })).toBeTruthy();
    // Focus goes back to the button that opened the dialog.
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'From a link' })),
    );
  });

  it('checks the link before sending it', async () => {
    const api = linkServer(() => ({ avatar: painted }));
    const { user, dialog, input } = await openDialog(api);
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    expect(within(dialog).getByText('Paste the link of a picture.')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');

    await user.type(input, 'ftp://pictures.example.org/nova.png');
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    expect(
      within(dialog).getByText('Only links that start with http:// or https:// can be imported.'),
    ).toBeTruthy();
    expect(document.activeElement).toBe(input);

    await user.clear(input);
    await user.type(input, 'pictures.example.org/nova.png');
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    expect(within(dialog).getByText('Add https:// at the start of the link.')).toBeTruthy();
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('explains a private address the server refuses to fetch', async () => {
    const api = linkServer(() =>
      apiError(
        400,
        'outbound_address_blocked',
        'The server may not connect to this address: loopback, private, link-local, metadata and other non-public addresses are refused unless an administrator allows them.',
      ),
    );
    const { user, dialog, input } = await openDialog(api);
    await user.type(input, 'http://10.255.255.1/x.png');
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toBe(
      'That address is on a private network, which this server doesn’t fetch from. An administrator can allow it.',
    );
    // The dialog stays open with the link, so it can be corrected.
    expect((input as HTMLInputElement).value).toBe('http://10.255.255.1/x.png');
    expect(screen.queryByText('Picture imported from the link.')).toBeNull();
    // Editing the link clears what was said about the old one.
    await user.type(input, 'x');
    expect(within(dialog).queryByRole('alert')).toBeNull();
  });

  it('says when the picture is over the 5 MB limit, and when the site has nothing there', async () => {
    let answer = () =>
      apiError(502, 'outbound_response_too_large', 'The remote answer is larger than 5242880 bytes', {
        limitBytes: 5_242_880,
      });
    const api = linkServer(() => answer());
    const { user, dialog, input } = await openDialog(api);
    await user.type(input, link);
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe(
      'The picture is larger than 5 MB. Choose a smaller one.',
    );

    answer = () => apiError(502, 'outbound_http_error', 'The remote server answered 404', { status: 404 });
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    await waitFor(() =>
      expect(within(dialog).getByRole('alert').textContent).toBe(
        'There’s no picture at that link (it answered 404). Check that the address is right.',
      ),
    );
  });

  it('stops the download when Cancel is pressed', async () => {
    let aborted = false;
    const api = linkServer(
      (request) =>
        new Promise((_resolve, reject) =>
          request.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new DOMException('aborted', 'AbortError'));
          }),
        ),
    );
    const { user, dialog, input } = await openDialog(api);
    await user.type(input, link);
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    await within(dialog).findByRole('button', { name: 'Importing…' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(aborted).toBe(true));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
