import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ada, avatar } from '../../test/avatar-fixtures';
import { conversationFixture } from '../../test/conversation-fixtures';
import { fakeApi, renderWithApp } from '../../test/render';
import { ConversationPromptDialog } from './conversation-prompt-dialog';

const ID = '0199a1b2-0000-7000-8000-00000000c0c0';
const KNIGHT = '0199a1b2-0000-7000-8000-00000000e001';
const VALE = '0199a1b2-0000-7000-8000-00000000e002';

const AVATAR = '0199a1b2-0000-7000-8000-00000000a0a0';
const PRESET = '0199a1b2-0000-7000-8000-00000000b0b0';

function api(defaultPersonaId: string | null) {
  return fakeApi({
    [`GET /api/avatars/${AVATAR}`]: () => ({
      avatar: { ...avatar({ id: AVATAR }), generation: { presetId: PRESET, settings: { temperature: 0.7 } } },
    }),
    'GET /api/presets': () => ({
      presets: [
        {
          id: PRESET,
          name: 'Calm',
          settings: { temperature: 0.2, topP: 0.9 },
          createdAt: '2025-03-01T10:00:00.000Z',
          updatedAt: '2025-03-01T10:00:00.000Z',
        },
      ],
    }),
    'GET /api/auth/me': () => ({ user: ada }),
    'GET /api/models': () => ({ models: [] }),
    'GET /api/settings': () => ({
      settings: {
        defaultModel: null,
        fallbackModels: [],
        localOnly: false,
        personas: [
          { id: KNIGHT, name: 'Sir Lancelot', description: 'A knight.' },
          { id: VALE, name: 'Detective Vale', description: '' },
        ],
        defaultPersonaId,
      },
      instance: { localOnly: false, lockedByEnvironment: false },
      limits: { maxMessageChars: 100 },
    }),
    [`PATCH /api/conversations/${ID}`]: async (request) => {
      const { prompt } = (await request.json()) as { prompt: object };
      return { conversation: { ...conversationFixture({ id: ID, avatarId: 'a' }), prompt } };
    },
  });
}

function open(server: ReturnType<typeof api>, personaId?: string) {
  const conversation = conversationFixture({
    id: ID,
    avatarId: '0199a1b2-0000-7000-8000-00000000a0a0',
    prompt: { systemPrompt: null, authorsNote: null, ...(personaId ? { personaId } : {}) },
  });
  renderWithApp(
    <ConversationPromptDialog conversation={conversation} avatarName="Aria" open onOpenChange={() => {}} />,
    { fetch: server.fetch },
  );
}

const select = () => screen.getByLabelText('You are') as HTMLSelectElement;
const patchBody = (server: ReturnType<typeof api>) =>
  server.requests.find((r) => r.method === 'PATCH')?.body as { prompt: Record<string, unknown> } | undefined;

describe('the "You are" persona select (Prompt for this conversation)', () => {
  afterEach(cleanup);

  it('offers the account and each persona, and sends the chosen personaId', async () => {
    const server = api(null);
    open(server);
    await screen.findByRole('option', { name: 'Sir Lancelot' });
    await waitFor(() =>
      expect([...select().options].map((o) => o.text)).toEqual([
        'Your account (Ada)',
        'Sir Lancelot',
        'Detective Vale',
      ]),
    );
    expect(select().value).toBe('');
    fireEvent.change(select(), { target: { value: KNIGHT } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(patchBody(server)?.prompt.personaId).toBe(KNIGHT));
  });

  it('names the default persona, and clearing a choice sends null', async () => {
    const server = api(VALE);
    open(server, KNIGHT);
    await screen.findByRole('option', { name: 'Your default persona (Detective Vale)' });
    expect(select().value).toBe(KNIGHT);
    fireEvent.change(select(), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(patchBody(server)?.prompt).toHaveProperty('personaId', null));
  });

  it('offers "your account" beside the default persona, and sends it as `account`', async () => {
    const server = api(VALE);
    open(server);
    await screen.findByRole('option', { name: 'Your default persona (Detective Vale)' });
    expect([...select().options].map((o) => o.text)).toEqual([
      'Your default persona (Detective Vale)',
      'Your account (Ada)',
      'Sir Lancelot',
      'Detective Vale',
    ]);
    fireEvent.change(select(), { target: { value: 'account' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(patchBody(server)?.prompt.personaId).toBe('account'));
  });

  it('shows the avatar’s generation values (over its preset’s) where this conversation sets none', async () => {
    const server = api(null);
    open(server);
    fireEvent.click(await screen.findByText('Generation'));
    await waitFor(() =>
      expect(screen.getByTestId('setting-temperature').textContent).toContain('0.7 (inherited)'),
    );
    expect(screen.getByTestId('setting-topP').textContent).toContain('0.9 (inherited)');
    expect(screen.getByTestId('setting-minP').textContent).toContain('Default');
  });

  it('leaves personaId out when the choice did not change', async () => {
    const server = api(null);
    open(server, VALE);
    await screen.findByRole('option', { name: 'Detective Vale' });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(patchBody(server)).toBeDefined());
    expect(patchBody(server)?.prompt).not.toHaveProperty('personaId');
  });
});
