import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import type { Conversation } from '../../lib/conversations';
import { ConversationRow, type ConversationRowActions } from './conversation-row';

afterEach(cleanup);

const ID = '0190a4c2-0000-7000-8000-00000000000a';

const conversation = {
  id: ID,
  avatarId: '0190a4c2-0000-7000-8000-00000000000b',
  title: 'Tea in the glade',
  titleSource: 'user',
  tags: [],
  pinned: false,
  archived: false,
  model: null,
  activeLeafId: null,
  prompt: { systemPrompt: null, authorsNote: null },
  messageCount: 3,
  lastMessageAt: '2025-03-01T10:00:00.000Z',
  createdAt: '2025-03-01T10:00:00.000Z',
  updatedAt: '2025-03-01T10:00:00.000Z',
  participants: [],
} as unknown as Conversation;

const actions: ConversationRowActions = {
  onRename() {},
  onTags() {},
  onPin() {},
  onArchive() {},
  onDelete() {},
};

describe('ConversationRow: export menu', () => {
  it('offers Lumina JSON, Markdown and a SillyTavern chat, each a download of the export endpoint', async () => {
    const user = userEvent.setup();
    render(
      <MemoryRouter>
        <ul>
          <ConversationRow
            conversation={conversation}
            avatar={{ name: 'Seraphina', imageUrl: '/api/avatars/x/image' }}
            actions={actions}
          />
        </ul>
      </MemoryRouter>,
    );
    await user.click(screen.getByRole('button', { name: 'More for Tea in the glade' }));
    const items = await screen.findAllByRole('menuitem');
    const downloads = items.filter((item) => item.hasAttribute('download'));
    expect(downloads.map((item) => [item.textContent, item.getAttribute('href')])).toEqual([
      ['Lumina JSONEvery branch; imports back losslessly', `/api/conversations/${ID}/export?format=json`],
      ['MarkdownThe visible branch, for reading', `/api/conversations/${ID}/export?format=md`],
      [
        'SillyTavern chatThe visible branch, other replies as swipes (.jsonl)',
        `/api/conversations/${ID}/export?format=sillytavern`,
      ],
    ]);
  });
});
