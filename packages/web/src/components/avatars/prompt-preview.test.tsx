import { act, cleanup, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AvatarPatch } from '../../lib/avatars';
import { apiError, fakeApi, renderWithApp } from '../../test/render';
import { type PromptPreview, PromptPreviewPanel } from './prompt-preview';

const ID = '0199a1b2-0000-7000-8000-000000000001';

function compiled(scenario: string): PromptPreview {
  const sections = [
    { name: 'identity', title: 'Identity', text: 'You are Sage.', tokens: 3 },
    { name: 'scenario', title: 'Scenario', text: `## Scenario\n${scenario}`, tokens: 5 },
  ];
  return {
    text: sections.map((s) => s.text).join('\n\n'),
    tokens: 8,
    sections,
    postHistoryInstructions: null,
  };
}

function server() {
  return fakeApi({
    [`GET /api/avatars/${ID}/prompt-preview`]: () => compiled('A quiet library.'),
    [`POST /api/avatars/${ID}/prompt-preview`]: async (request) => {
      const draft = (await request.json()) as AvatarPatch;
      if (draft.name !== undefined && !draft.name.trim())
        return apiError(400, 'invalid_request', 'The request is not valid', {
          issues: [{ path: '/name', message: 'Too small' }],
        });
      return compiled(draft.scenario ?? 'A quiet library.');
    },
  });
}

/** The panel with changes the test sets, as the editor passes them while someone types. */
let setChanges: (changes: AvatarPatch) => void = () => {};
function Editor({ initial }: { initial: AvatarPatch }) {
  const [changes, set] = useState(initial);
  setChanges = (next) => act(() => set(next));
  return <PromptPreviewPanel avatarId={ID} changes={changes} />;
}

describe('PromptPreviewPanel', () => {
  afterEach(cleanup);

  it('shows the saved prompt, then the unsaved draft once typing pauses', async () => {
    const api = server();
    renderWithApp(<Editor initial={{}} />, { fetch: api.fetch });
    const preview = await screen.findByTestId('prompt-preview');
    await waitFor(() => expect(preview.textContent).toContain('A quiet library.'));
    expect(api.requests.map((r) => r.method)).toEqual(['GET']);
    expect(screen.queryByText('Includes your unsaved changes.')).toBeNull();

    // Each keystroke re-renders with new changes; only the last one, after the pause, is sent.
    for (const scenario of ['A', 'A storm', 'A storm at sea.']) setChanges({ scenario });
    expect(screen.getByText('Includes your unsaved changes.')).toBeTruthy();
    await waitFor(() => expect(preview.textContent).toContain('A storm at sea.'));
    const posts = api.requests.filter((r) => r.method === 'POST');
    expect(posts).toEqual([
      { method: 'POST', path: `/api/avatars/${ID}/prompt-preview`, body: { scenario: 'A storm at sea.' } },
    ]);
    expect(screen.getByText('8 tokens')).toBeTruthy();
  });

  it('keeps the last good prompt on screen when the draft is not valid yet', async () => {
    const api = server();
    renderWithApp(<Editor initial={{ scenario: 'Dawn.' }} />, { fetch: api.fetch });
    const preview = await screen.findByTestId('prompt-preview');
    await waitFor(() => expect(preview.textContent).toContain('Dawn.'));
    setChanges({ scenario: 'Dusk.', name: ' ' });
    await screen.findByText(/Showing the last valid version/);
    expect(preview.textContent).toContain('Dawn.');
  });
});
