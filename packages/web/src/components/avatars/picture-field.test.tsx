import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
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
