import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConversationParticipant, ParticipantStack } from './participant-stack';

const at = '2025-01-01T00:00:00.000Z';
let next = 0;
const id = () => `01a1fd38-701a-743d-aec4-${String(++next).padStart(12, '0')}`;

function avatar(name: string, primary = false): ConversationParticipant {
  const avatarId = id();
  return {
    id: id(),
    kind: 'avatar',
    role: 'participant',
    avatarId,
    userId: null,
    name,
    imageUrl: `/api/avatars/${avatarId}/image?v=1`,
    primary,
    createdAt: at,
  };
}

function person(
  name: string,
  userId: string,
  role: ConversationParticipant['role'],
): ConversationParticipant {
  return {
    id: id(),
    kind: 'user',
    role,
    avatarId: null,
    userId,
    name,
    imageUrl: null,
    primary: false,
    createdAt: at,
  };
}

describe('ParticipantStack', () => {
  afterEach(cleanup);
  const me = id();

  it('shows the avatars, the conversation’s own first, and the other people, not you', () => {
    const { container } = render(
      <ParticipantStack
        viewerId={me}
        participants={[
          person('Ada', me, 'owner'),
          avatar('Nova'),
          avatar('Aria', true),
          person('Bob', id(), 'viewer'),
        ]}
      />,
    );
    expect(screen.getByRole('img', { name: 'In this chat: Aria, Nova, Bob' })).toBeTruthy();
    const pictures = [...container.querySelectorAll('img')].map((img) => img.getAttribute('src'));
    expect(pictures).toHaveLength(2);
    expect(container.textContent).toBe('B');
  });

  it('folds everyone past four into +n', () => {
    const { container } = render(
      <ParticipantStack participants={['A', 'B', 'C', 'D', 'E', 'F'].map((n) => avatar(n))} />,
    );
    expect(container.querySelectorAll('img')).toHaveLength(4);
    expect(container.textContent).toBe('+2');
  });

  it('shows nothing when only you take part', () => {
    const { container } = render(
      <ParticipantStack viewerId={me} participants={[person('Ada', me, 'owner')]} />,
    );
    expect(container.innerHTML).toBe('');
  });
});
