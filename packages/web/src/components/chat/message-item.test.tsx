import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../lib/conversations';
import { readAloudPlayer } from '../../lib/voice/read-aloud';
import { installScriptedAudio, wavFile } from '../../lib/voice/scripted-audio';
import { apiError, fakeApi, renderWithApp } from '../../test/render';
import { type MessageActions, MessageItem } from './message-item';

afterEach(cleanup);

// Message actions talk to the server (read aloud); this one answers only what a test sets up.
let api = fakeApi({});
const render = (ui: ReactElement) => renderWithApp(ui, { fetch: api.fetch });

const REPLY_ID = '0190a4c2-0000-7000-8000-000000000002';

const reply = (fields: Partial<ChatMessage>): ChatMessage =>
  ({
    id: REPLY_ID,
    conversationId: '0190a4c2-0000-7000-8000-000000000001',
    parentId: '0190a4c2-0000-7000-8000-000000000003',
    role: 'assistant',
    content: 'Once upon a time',
    parts: [{ type: 'text', text: 'Once upon a time' }],
    turnId: null,
    speaker: null,
    status: 'complete',
    error: null,
    model: null,
    finishReason: null,
    usage: null,
    timings: null,
    siblingIds: [REPLY_ID],
    hasSummary: false,
    metadata: {},
    createdAt: '2025-03-01T10:00:00.000Z',
    updatedAt: '2025-03-01T10:00:00.000Z',
    ...fields,
  }) as ChatMessage;

function renderItem(message: ChatMessage, { last = true, busy = false } = {}) {
  const continued: string[] = [];
  const actions: MessageActions = {
    onRegenerate() {},
    onContinue: (id) => continued.push(id),
    onEdit() {},
    onEditInPlace() {},
    onSwitch() {},
    onFork() {},
    onDelete() {},
  };
  render(
    <MessageItem
      message={message}
      avatar={{ name: 'Aria', imageUrl: '/api/avatars/a/image' }}
      busy={busy}
      highlighted={false}
      last={last}
      actions={actions}
    />,
  );
  return continued;
}

describe('MessageItem: Continue', () => {
  it.each(['complete', 'cancelled', 'interrupted'] as const)(
    'offers Continue on the last reply when it is %s, next to Regenerate',
    (status) => {
      renderItem(reply({ status }));
      const button = screen.getByRole<HTMLButtonElement>('button', { name: 'Continue reply' });
      expect(button.disabled).toBe(false);
      // Beside Regenerate, in the same row of actions.
      expect(screen.getByRole('button', { name: 'Regenerate reply' }).nextElementSibling).toBe(button);
    },
  );

  it('asks to continue that reply, by click and from the keyboard', async () => {
    const user = userEvent.setup();
    const continued = renderItem(reply({ status: 'cancelled' }));
    await user.click(screen.getByRole('button', { name: 'Continue reply' }));
    expect(continued).toEqual([REPLY_ID]);

    screen.getByRole('button', { name: 'Continue reply' }).focus();
    await user.keyboard('{Enter}');
    await user.keyboard(' ');
    expect(continued).toEqual([REPLY_ID, REPLY_ID, REPLY_ID]);
  });

  it('is not offered while the reply is being written, after an error, or above the last message', () => {
    renderItem(reply({ status: 'streaming' }));
    expect(screen.queryByRole('button', { name: 'Continue reply' })).toBeNull();
    cleanup();

    // A failed reply has "Try again" instead.
    renderItem(reply({ status: 'error', error: { code: 'provider_error', message: 'boom' } }));
    expect(screen.queryByRole('button', { name: 'Continue reply' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Try again' }).textContent).toContain('Try again');
    cleanup();

    renderItem(reply({ status: 'complete' }), { last: false });
    expect(screen.queryByRole('button', { name: 'Continue reply' })).toBeNull();
    cleanup();

    renderItem(reply({ role: 'user', status: 'complete' }));
    expect(screen.queryByRole('button', { name: 'Continue reply' })).toBeNull();
  });

  it('is disabled while another reply of the conversation is being written', async () => {
    const user = userEvent.setup();
    const continued = renderItem(reply({ status: 'complete' }), { busy: true });
    const button = screen.getByRole<HTMLButtonElement>('button', { name: 'Continue reply' });
    expect(button.disabled).toBe(true);
    await user.click(button);
    expect(continued).toEqual([]);
  });
});

describe('MessageItem: Copy as Markdown', () => {
  it('copies the reply’s Markdown source, not its rendered text, and says Copied', async () => {
    const user = userEvent.setup();
    const source = '## Plan\n\n- **Bold** step\n- `code` step\n\n[link](https://example.com)';
    renderItem(reply({ content: source, parts: [{ type: 'text', text: source }] }));
    // The reply shows rendered: no Markdown marks on screen.
    expect(await screen.findByRole('heading', { name: 'Plan' }, { timeout: 3000 })).toBeTruthy();
    const button = screen.getByRole('button', { name: 'Copy reply as Markdown' });
    expect(button.getAttribute('title')).toBe('Copy as Markdown');
    await user.click(button);
    expect(await navigator.clipboard.readText()).toBe(source);
    expect(screen.getByRole('button', { name: 'Copied' })).toBeTruthy();
    expect(screen.getByText('Copied to clipboard')).toBeTruthy();
  });
});

describe('MessageItem: Get a reply', () => {
  const QUESTION_ID = '0190a4c2-0000-7000-8000-000000000003';
  const question = reply({
    id: QUESTION_ID,
    role: 'user',
    content: 'Are you there?',
    parts: [{ type: 'text', text: 'Are you there?' }],
    siblingIds: [QUESTION_ID],
  });

  function renderQuestion({ last = true, busy = false } = {}) {
    const regenerated: string[] = [];
    const actions: MessageActions = {
      onRegenerate: (id) => regenerated.push(id),
      onContinue() {},
      onEdit() {},
      onEditInPlace() {},
      onSwitch() {},
      onFork() {},
      onDelete() {},
    };
    render(
      <MessageItem
        message={question}
        avatar={null}
        busy={busy}
        highlighted={false}
        last={last}
        actions={actions}
      />,
    );
    return regenerated;
  }

  it('asks for a reply to a message of the person’s that ends the branch', async () => {
    const user = userEvent.setup();
    const regenerated = renderQuestion();
    await user.click(screen.getByRole('button', { name: 'Get a reply' }));
    expect(regenerated).toEqual([QUESTION_ID]);
  });

  it('is not offered on an answered message, and is off while a reply is being written', () => {
    renderQuestion({ last: false });
    expect(screen.queryByRole('button', { name: 'Get a reply' })).toBeNull();
    cleanup();
    renderQuestion({ busy: true });
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Get a reply' }).disabled).toBe(true);
  });

  it('is not offered on a reply', () => {
    renderItem(reply({}));
    expect(screen.queryByRole('button', { name: 'Get a reply' })).toBeNull();
  });
});

describe('MessageItem: Read aloud', () => {
  const AVATAR_ID = '0190a4c2-0000-7000-8000-0000000000aa';
  let audio: ReturnType<typeof installScriptedAudio>;
  afterEach(() => {
    readAloudPlayer.stop();
    audio?.uninstall();
    api = fakeApi({});
  });

  function renderReply(content: string) {
    render(
      <MessageItem
        message={reply({ content, parts: [{ type: 'text', text: content }] })}
        avatar={{ id: AVATAR_ID, name: 'Aria', imageUrl: '/api/avatars/a/image' }}
        busy={false}
        highlighted={false}
        last
        actions={{
          onRegenerate() {},
          onContinue() {},
          onEdit() {},
          onEditInPlace() {},
          onSwitch() {},
          onFork() {},
          onDelete() {},
        }}
      />,
    );
  }

  it('speaks the reply’s words in its avatar’s voice, shows Stop while playing, and is back when done', async () => {
    audio = installScriptedAudio();
    // Half a second of audio at 22,050 Hz.
    api = fakeApi({
      'POST /api/voice/speak': () =>
        new Response(wavFile(new Float32Array(11_025).fill(0.2), 22_050), {
          headers: { 'content-type': 'audio/wav' },
        }),
    });
    const user = userEvent.setup();
    renderReply('**Hello** there, [traveller](https://example.org).');
    await user.click(screen.getByRole('button', { name: 'Read aloud' }));
    const stop = await screen.findByRole('button', { name: 'Stop reading aloud' });
    expect(api.requests.find((r) => r.path === '/api/voice/speak')?.body).toEqual({
      text: 'Hello there, traveller.',
      avatarId: AVATAR_ID,
    });
    await waitFor(() => expect(audio.sources).toHaveLength(1));
    expect(audio.sources[0]).toMatchObject({ sampleRate: 22_050 });
    expect(audio.sources[0]?.samples).toHaveLength(11_025);
    expect(stop.getAttribute('aria-pressed')).toBe('true');
    audio.advance(1);
    expect(await screen.findByRole('button', { name: 'Read aloud' })).toBeTruthy();
  });

  it('Stop silences it at once', async () => {
    audio = installScriptedAudio();
    api = fakeApi({
      'POST /api/voice/speak': () =>
        new Response(wavFile(new Float32Array(160_000).fill(0.2), 16_000), {
          headers: { 'content-type': 'audio/wav' },
        }),
    });
    const user = userEvent.setup();
    renderReply('A very long story.');
    await user.click(screen.getByRole('button', { name: 'Read aloud' }));
    await waitFor(() => expect(audio.sources).toHaveLength(1));
    await user.click(await screen.findByRole('button', { name: 'Stop reading aloud' }));
    expect(audio.sources[0]?.stopped).toBe(true);
    expect(screen.getByRole('button', { name: 'Read aloud' })).toBeTruthy();
  });

  it('says why when the server cannot speak', async () => {
    audio = installScriptedAudio();
    api = fakeApi({
      'POST /api/voice/speak': () =>
        apiError(503, 'engine_unavailable', 'No speech engine is ready on this server.'),
    });
    const user = userEvent.setup();
    renderReply('Hello.');
    await user.click(screen.getByRole('button', { name: 'Read aloud' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Couldn’t read it aloud');
    expect(screen.getByRole('button', { name: 'Read aloud' })).toBeTruthy();
  });
});
