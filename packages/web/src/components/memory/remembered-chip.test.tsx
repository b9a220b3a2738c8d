import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonFetch, renderWithApp } from '../../test/render';
import { RememberedChip } from './remembered-chip';

describe('the “Remembered” chip', () => {
  afterEach(cleanup);

  it('shows nothing for a reply that recalled nothing', () => {
    const { container } = renderWithApp(<RememberedChip metadata={{}} />, { fetch: jsonFetch({}) });
    expect(container.textContent).toBe('');
  });

  it('counts what the reply used and lists it with links and citations', async () => {
    const user = userEvent.setup();
    renderWithApp(
      <RememberedChip
        metadata={{
          recalled: [
            {
              type: 'memory',
              id: 'm1',
              excerpt: 'Ana is your sister.',
              conversationId: 'c0',
              sourceMessageId: 'u0',
            },
            {
              type: 'message',
              id: 'u1',
              excerpt: 'I start the new job on Monday',
              conversationId: 'c1',
              createdAt: '2026-02-03T09:00:00.000Z',
            },
            {
              type: 'document',
              id: 'k1',
              excerpt: 'Refunds within 30 days',
              documentId: 'd1',
              documentName: 'Policy.pdf',
              page: 2,
            },
          ],
        }}
      />,
      { fetch: jsonFetch({}) },
    );
    const chip = screen.getByRole('button', { name: /^Remembered 3/ });
    expect(chip.textContent).toContain('Remembered 3');
    await user.click(chip);
    const menu = await screen.findByRole('menu');
    expect(within(menu).getByText('This reply used 1 memory, 1 past message and 1 document.')).toBeTruthy();
    const items = within(menu).getAllByRole('menuitem');
    expect(items.map((i) => i.textContent)).toEqual([
      'Ana is your sister.Memory · Open',
      'I start the new job on MondayYour message · 3 Feb 2026 · Open',
      'Refunds within 30 daysPolicy.pdf, page 2',
    ]);
    expect(items[0]?.getAttribute('href')).toBe('/chat/c0?message=u0');
    expect(items[1]?.getAttribute('href')).toBe('/chat/c1?message=u1');
    expect(items[2]?.getAttribute('href')).toBeNull();
  });
});
