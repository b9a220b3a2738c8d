import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../../lib/session';
import { apiError, fakeApi, renderApp, reply } from '../../test/render';

const admin: User = {
  id: '0199a1b2-0000-7000-8000-000000000001',
  email: 'ada@example.org',
  name: 'Ada Lovelace',
  preferredName: null,
  role: 'admin',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const FAILED_ID = '5b1c0c9e-8f0a-4c55-9a57-2f0c6b0e9a11';
const queue = (name: string, failed: number) => ({
  name,
  waiting: 2,
  active: 1,
  completed: 40,
  failed,
  delayed: 0,
});

function server(routes: Record<string, (request: Request) => unknown> = {}) {
  let failed = 1;
  return fakeApi({
    'GET /api/auth/me': () => ({ user: admin }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    'GET /api/admin/jobs': () => ({
      queues: [queue('conversation-summary', failed), queue('conversation-title', 0)],
    }),
    'GET /api/admin/jobs/conversation-summary/failures': () => ({
      failures: failed
        ? [
            {
              id: FAILED_ID,
              name: 'conversation-summary',
              data: {},
              error: 'provider_timeout: the model did not answer in time',
              attempts: 3,
              createdAt: '2026-02-01T10:00:00.000Z',
              failedAt: '2026-02-01T10:05:00.000Z',
            },
          ]
        : [],
    }),
    [`POST /api/admin/jobs/${FAILED_ID}/retry`]: () => {
      failed = 0;
      return reply(204);
    },
    ...routes,
  });
}

describe('AdminJobsPage', () => {
  afterEach(cleanup);

  it('lists queues with their counts and the failures with their errors', async () => {
    const api = server();
    renderApp({ fetch: api.fetch, path: '/admin/jobs' });

    const summary = await screen.findByRole('region', { name: 'conversation-summary' });
    expect(within(summary).getByText('1 failed')).toBeTruthy();
    expect(within(summary).getByText('Completed').nextSibling?.textContent).toBe('40');
    expect(
      await within(summary).findByText('provider_timeout: the model did not answer in time'),
    ).toBeTruthy();
    expect(within(summary).getByText(/3 attempts/)).toBeTruthy();
    const title = screen.getByRole('region', { name: 'conversation-title' });
    expect(within(title).getByText('No failures')).toBeTruthy();
    expect(
      within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Background jobs' }),
    ).toBeTruthy();
  });

  it('retries a failed job and refreshes the counts', async () => {
    const api = server();
    renderApp({ fetch: api.fetch, path: '/admin/jobs' });

    fireEvent.click(await screen.findByRole('button', { name: `Retry job ${FAILED_ID}` }));
    await waitFor(() =>
      expect(api.requests.some((r) => r.method === 'POST' && r.path.endsWith('/retry'))).toBe(true),
    );
    const summary = screen.getByRole('region', { name: 'conversation-summary' });
    expect(await within(summary).findByText('No failures')).toBeTruthy();
  });

  it('explains a discard that failed, keeping the job listed', async () => {
    const api = server({
      [`POST /api/admin/jobs/${FAILED_ID}/discard`]: () =>
        apiError(409, 'job_not_failed', 'The job is retry; only failed jobs can be retried or discarded'),
    });
    renderApp({ fetch: api.fetch, path: '/admin/jobs' });

    fireEvent.click(await screen.findByRole('button', { name: `Discard job ${FAILED_ID}` }));
    expect(await screen.findByText(/only failed jobs can be retried or discarded/)).toBeTruthy();
    expect(screen.getByRole('button', { name: `Retry job ${FAILED_ID}` })).toBeTruthy();
  });

  it('shows an empty state and an error state', async () => {
    const empty = fakeApi({
      'GET /api/auth/me': () => ({ user: admin }),
      'GET /api/admin/jobs': () => ({ queues: [] }),
    });
    renderApp({ fetch: empty.fetch, path: '/admin/jobs' });
    expect(await screen.findByText('No background jobs have been set up on this server yet.')).toBeTruthy();
    cleanup();

    const broken = fakeApi({
      'GET /api/auth/me': () => ({ user: admin }),
      'GET /api/admin/jobs': () =>
        apiError(503, 'jobs_unavailable', 'Background jobs are not running on this server'),
    });
    renderApp({ fetch: broken.fetch, path: '/admin/jobs' });
    // A 5xx is tried once more (after a second) before the page shows it.
    expect(
      await screen.findByText('Background jobs are not running on this server', {}, { timeout: 10_000 }),
    ).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});
