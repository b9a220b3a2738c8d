import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useContextUse } from '../../lib/conversation-context';
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

/** The status of the query the indicator reads; it re-renders in the same batch as the indicator. */
function ContextQueryStatus() {
  const { status } = useContextUse(ID, true);
  return <output aria-label="context query">{status}</output>;
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
    renderWithApp(
      <>
        <div data-testid="indicator">
          <ContextIndicator conversationId={ID} />
        </div>
        <ContextQueryStatus />
      </>,
      { fetch: api.fetch },
    );
    // Empty while loading proves nothing: wait until the server's answer has been taken in.
    await waitFor(() => expect(screen.getByLabelText('context query').textContent).not.toBe('pending'));
    expect(api.requests.map((r) => r.path)).toEqual([`/api/conversations/${ID}/context`]);
    expect(screen.getByTestId('indicator').textContent).toBe('');
  });
});
