import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeShortcutSheet } from '../../components/shortcut-sheet';
import { SHORTCUTS } from '../../lib/chat-shortcuts';
import type { ChatMessage, Conversation } from '../../lib/conversations';
import { layoutKey, setFocusMode } from '../../lib/layout-prefs';
import { ada, avatar } from '../../test/avatar-fixtures';
import { model } from '../../test/model-fixtures';
import { fakeApi, renderApp } from '../../test/render';

// The frame's sidebars collapse (remembered per browser), focus mode hides both, the keyboard
// shortcuts work and are all listed in the sheet, and ↑ in the empty box edits the last message.

const ID = '0199a1b2-0000-7000-8000-00000000d0d0';
const lumina = avatar({ name: 'Lumina', nickname: 'Lu', tags: ['assistant'] });
const seraphina = avatar({ name: 'Seraphina', tags: ['fantasy'], greeting: 'I am **Seraphina**.' });
const grimm = avatar({ name: 'Grimm', nickname: 'The Brothers', tags: ['stories'] });

const conversation = {
  id: ID,
  avatarId: lumina.id,
  title: 'Engines',
  titleSource: 'user',
  model: null,
  pinned: false,
  archived: false,
  tags: [],
  activeLeafId: `${ID.slice(0, -2)}03`,
  messageCount: 3,
  participants: [],
  lastMessageAt: '2026-01-03T00:00:00.000Z',
  createdAt: '2026-01-03T00:00:00.000Z',
  updatedAt: '2026-01-03T00:00:00.000Z',
} as unknown as Conversation;

function message(n: number, role: ChatMessage['role'], content: string): ChatMessage {
  const id = `${ID.slice(0, -2)}0${n}`;
  return {
    id,
    conversationId: ID,
    parentId: n === 1 ? null : `${ID.slice(0, -2)}0${n - 1}`,
    role,
    content,
    parts: [{ type: 'text', text: content }],
    turnId: null,
    speaker: role === 'user' ? { kind: 'user', id: ada.id } : { kind: 'avatar', id: lumina.id },
    status: 'complete',
    error: null,
    model: null,
    finishReason: null,
    usage: null,
    timings: null,
    siblingIds: [id],
    hasSummary: false,
    metadata: {},
    createdAt: '2026-01-03T00:00:00.000Z',
    updatedAt: '2026-01-03T00:00:00.000Z',
  } as ChatMessage;
}

const messages = [
  message(1, 'assistant', 'Hello Ada.'),
  message(2, 'user', 'Tell me about the Analytical Engine'),
  message(3, 'assistant', 'It computes.'),
];

function server() {
  return fakeApi({
    'GET /api/auth/me': () => ({ user: ada }),
    'GET /api/auth/config': () => ({ signupOpen: true, needsFirstAdmin: false }),
    'GET /api/avatars': () => ({ avatars: [lumina, seraphina, grimm] }),
    'GET /api/conversations': () => ({ conversations: [conversation], nextCursor: null }),
    [`GET /api/conversations/${ID}/messages`]: () => ({ conversation, messages }),
    'GET /api/models': () => ({ models: [model('ollama/llama3.2')] }),
    'GET /api/providers': () => ({ providers: [] }),
    'GET /api/settings': () => ({
      settings: { defaultModel: 'ollama/llama3.2', fallbackModels: [], localOnly: false },
      instance: { localOnly: false, lockedByEnvironment: false },
      limits: { maxMessageChars: 1000 },
    }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
  });
}

async function open(path = `/chat/${ID}`) {
  const view = renderApp({ fetch: server().fetch, path });
  await screen.findByRole('complementary', { name: 'Chats' });
  // The avatars have loaded (New chat knows whom with).
  await waitFor(() =>
    expect(
      (screen.queryByRole('button', { name: /New chat with another avatar/ }) as HTMLButtonElement | null)
        ?.disabled ?? false,
    ).toBe(false),
  );
  if (path.startsWith(`/chat/${ID}`)) await screen.findByRole('heading', { name: 'Engines' });
  return view;
}

const press = (key: string, init: KeyboardEventInit = {}, target: Element = document.body) =>
  fireEvent.keyDown(target, { key, bubbles: true, ...init });

describe('layout and keys', () => {
  beforeEach(() => {
    window.localStorage.clear();
    setFocusMode(false);
    closeShortcutSheet();
  });
  afterEach(cleanup);

  it('collapses the main navigation to icons, remembered in this browser', async () => {
    await open('/chat');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    fireEvent.click(screen.getByRole('button', { name: 'Collapse sidebar' }));
    expect(window.localStorage.getItem(layoutKey('nav'))).toBe('1');
    const expand = screen.getByRole('button', { name: 'Expand sidebar' });
    expect(expand.getAttribute('aria-expanded')).toBe('false');
    expect(expand.getAttribute('title')).toBe('Expand sidebar');
    // Names stay for screen readers and come back as tooltips.
    const avatars = within(nav).getByRole('link', { name: 'Avatars' });
    expect(avatars.getAttribute('title')).toBe('Avatars');
    expect(within(avatars).getByText('Avatars').className).toContain('md:sr-only');
    cleanup();

    await open('/chat');
    expect(screen.getByRole('button', { name: 'Expand sidebar' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Expand sidebar' }));
    expect(window.localStorage.getItem(layoutKey('nav'))).toBeNull();
  });

  it('collapses the chat list to a rail and back, remembered in this browser', async () => {
    await open();
    fireEvent.click(screen.getByRole('button', { name: 'Collapse chat list' }));
    expect(window.localStorage.getItem(layoutKey('chats'))).toBe('1');
    const rail = screen.getByRole('complementary', { name: 'Chats' });
    expect(within(rail).queryByRole('link', { name: /Engines/ })).toBeNull();
    expect(within(rail).getByRole('button', { name: 'New chat with Lumina' })).toBeTruthy();
    cleanup();

    await open();
    const rail2 = screen.getByRole('complementary', { name: 'Chats' });
    fireEvent.click(within(rail2).getByRole('button', { name: 'Expand chat list' }));
    expect(await screen.findByRole('button', { name: 'Collapse chat list' })).toBeTruthy();
    expect(window.localStorage.getItem(layoutKey('chats'))).toBeNull();
  });

  it('Ctrl+Shift+S shows and hides the chat list', async () => {
    await open();
    press('S', { ctrlKey: true, shiftKey: true });
    expect(await screen.findByRole('button', { name: 'Expand chat list' })).toBeTruthy();
    press('S', { metaKey: true, shiftKey: true });
    expect(await screen.findByRole('button', { name: 'Collapse chat list' })).toBeTruthy();
  });

  it('focus mode hides both sidebars; Esc, the shortcut or the header button bring them back', async () => {
    await open();
    const header = () => screen.getByRole('navigation', { name: 'Main', hidden: true }).closest('header');
    expect(header()?.hidden).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Focus mode' }));
    expect(header()?.hidden).toBe(true);
    expect(screen.queryByRole('complementary', { name: 'Chats' })).toBeNull();
    expect(screen.getByRole('heading', { name: 'Engines' })).toBeTruthy();
    press('Escape');
    expect(header()?.hidden).toBe(false);
    expect(screen.getByRole('complementary', { name: 'Chats' })).toBeTruthy();

    press('F', { ctrlKey: true, shiftKey: true });
    expect(header()?.hidden).toBe(true);
    press('F', { ctrlKey: true, shiftKey: true });
    expect(header()?.hidden).toBe(false);

    press('F', { ctrlKey: true, shiftKey: true });
    fireEvent.click(screen.getByRole('button', { name: 'Leave focus mode' }));
    expect(header()?.hidden).toBe(false);
    // Not kept: focus mode is for now, the collapsed sidebars are the lasting choice.
    expect(window.localStorage.getItem(layoutKey('nav'))).toBeNull();
  });

  it('Ctrl+Shift+O opens a new chat with the active avatar', async () => {
    const { router } = await open();
    press('O', { ctrlKey: true, shiftKey: true });
    await waitFor(() => expect(router.state.location.pathname).toBe('/chat/new'));
    expect(router.state.location.search).toBe(`?avatar=${lumina.id}`);
  });

  it('Ctrl+/ and the Keyboard shortcuts button open a sheet listing every shortcut', async () => {
    await open();
    press('/', { ctrlKey: true });
    const sheet = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    for (const s of SHORTCUTS) expect(within(sheet).getByText(s.label)).toBeTruthy();
    expect(within(sheet).getAllByText('Ctrl').length).toBeGreaterThan(3);
    fireEvent.click(within(sheet).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Keyboard shortcuts' })).toBeNull());

    fireEvent.click(screen.getByRole('button', { name: /^Shortcuts/ }));
    expect(await screen.findByRole('dialog', { name: 'Keyboard shortcuts' })).toBeTruthy();
    // Ctrl+/ again closes it.
    press('/', { ctrlKey: true });
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Keyboard shortcuts' })).toBeNull());
  });

  it('↑ in the empty message box edits the last message sent; Esc gives the box back', async () => {
    await open();
    const box = (await screen.findByRole('textbox', { name: 'Message' })) as HTMLTextAreaElement;
    // Not while the box has text: ↑ moves the cursor there.
    fireEvent.change(box, { target: { value: 'draft' } });
    press('ArrowUp', {}, box);
    expect(screen.queryByRole('textbox', { name: 'Edit your message' })).toBeNull();

    fireEvent.change(box, { target: { value: '' } });
    box.focus();
    press('ArrowUp', {}, box);
    const edit = (await screen.findByRole('textbox', { name: 'Edit your message' })) as HTMLTextAreaElement;
    expect(edit.value).toBe('Tell me about the Analytical Engine');
    expect(edit.closest('article')?.getAttribute('data-message-id')).toBe(messages[1]!.id);
    await waitFor(() => expect(document.activeElement).toBe(edit));

    press('Escape', {}, edit);
    expect(screen.queryByRole('textbox', { name: 'Edit your message' })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(box));
  });

  it('the New chat list filters avatars by name, nickname and tag, and says when none match', async () => {
    const { router } = await open();
    fireEvent.click(screen.getByRole('button', { name: 'New chat with another avatar' }));
    const field = await screen.findByRole('combobox', { name: 'Search avatars' });
    await waitFor(() => expect(document.activeElement).toBe(field));
    const options = () => screen.queryAllByRole('option').map((o) => o.textContent);
    expect(options()).toHaveLength(3);

    fireEvent.change(field, { target: { value: 'ser' } });
    expect(options()).toEqual(['Seraphina']);
    fireEvent.change(field, { target: { value: 'brothers' } });
    expect(options()).toEqual(['Grimm“The Brothers”']);
    fireEvent.change(field, { target: { value: 'fantasy' } });
    expect(options()).toEqual(['Seraphina']);

    fireEvent.change(field, { target: { value: 'nobody' } });
    expect(options()).toEqual([]);
    const panel = screen.getByRole('dialog', { name: 'Start a chat with' });
    expect(within(panel).getByRole('status').textContent).toBe('No avatar matches “nobody”.');
    expect(field.getAttribute('aria-expanded')).toBe('false');

    // ↓ then Enter starts with the highlighted one.
    fireEvent.change(field, { target: { value: '' } });
    press('ArrowDown', {}, field);
    expect(screen.getAllByRole('option')[1]?.getAttribute('aria-selected')).toBe('true');
    expect(field.getAttribute('aria-activedescendant')).toBe(screen.getAllByRole('option')[1]?.id);
    press('Enter', {}, field);
    await waitFor(() => expect(router.state.location.search).toBe(`?avatar=${seraphina.id}`));
    expect(screen.queryByRole('combobox', { name: 'Search avatars' })).toBeNull();
  });

  it('the start page shows the greeting as Markdown', async () => {
    window.localStorage.setItem(`lumina.activeAvatar.${ada.id}`, seraphina.id);
    await open('/chat');
    const greeting = await screen.findByTestId('start-greeting');
    await waitFor(() => expect(greeting.querySelector('strong')?.textContent).toBe('Seraphina'));
    expect(greeting.textContent).not.toContain('**');
  });
});

// Keeps act() warnings from a focus moved in requestAnimationFrame out of the other tests.
afterEach(async () => {
  await act(async () => {});
});
