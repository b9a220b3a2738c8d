import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, renderWithApp } from '../../test/render';
import { ContextIndicator } from './context-indicator';

const ID = '01a1fd38-701a-743d-aec4-79b1a96ae71b';

function context(overrides: Record<string, unknown> = {}) {
  return {
    conversationId: ID,
    model: null,
    modelError: null,
    messages: [],
    parts: [],
    tokens: {
      total: 6100,
      window: 8192,
      windowSource: 'model',
      replyBudget: 1024,
      available: 7168,
      overBudget: false,
    },
    summary: null,
    dropped: { count: 0, messageIds: [] },
    memories: { given: 0, included: 0 },
    lore: { activated: 0, tokens: 0, entries: [], dropped: [], warnings: [], budgetExhausted: false },
    needsSummary: false,
    summarizing: false,
    ...overrides,
  };
}

describe('ContextIndicator', () => {
  afterEach(cleanup);

  it('shows how much of the window the next turn uses', async () => {
    const api = fakeApi({ [`GET /api/conversations/${ID}/context`]: () => context() });
    renderWithApp(<ContextIndicator conversationId={ID} />, { fetch: api.fetch });
    const meter = await screen.findByRole('meter', { name: 'Context window used' });
    expect(meter.getAttribute('aria-valuenow')).toBe('6100');
    expect(meter.getAttribute('aria-valuemax')).toBe('8192');
    expect(screen.getByText('6.1K / 8.2K')).toBeTruthy();
    expect(screen.queryByText('Summary in use')).toBeNull();
  });

  it('says when a running summary stands in for older turns, or is being written', async () => {
    const api = fakeApi({
      [`GET /api/conversations/${ID}/context`]: () =>
        context({ summary: { throughMessageId: ID, tokens: 300, coveredMessages: 40 } }),
    });
    renderWithApp(<ContextIndicator conversationId={ID} />, { fetch: api.fetch });
    expect(await screen.findByText('Summary in use')).toBeTruthy();
    cleanup();
    const busy = fakeApi({ [`GET /api/conversations/${ID}/context`]: () => context({ summarizing: true }) });
    renderWithApp(<ContextIndicator conversationId={ID} />, { fetch: busy.fetch });
    expect(await screen.findByText('Summarizing older turns…')).toBeTruthy();
  });

  it('shows nothing when the server cannot say', async () => {
    const api = fakeApi({});
    const { container } = renderWithApp(<ContextIndicator conversationId={ID} />, { fetch: api.fetch });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(container.textContent).toBe('');
  });
});
