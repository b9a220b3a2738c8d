import type { HealthReport } from '@lumina/sdk';
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonFetch, renderWithApp } from '../test/render';
import { StatusPage } from './status-page';

const healthy: HealthReport = {
  status: 'ok',
  version: '0.1.0',
  uptimeSeconds: 3725,
  checks: {
    database: { status: 'ok', latencyMs: 1.6, kind: 'pglite', vector: true },
    redis: { status: 'ok', latencyMs: 0.4 },
  },
};

describe('StatusPage', () => {
  afterEach(cleanup);

  it('shows every check from /health', async () => {
    const fetch = vi.fn(jsonFetch(healthy));
    renderWithApp(<StatusPage />, { fetch });

    expect(await screen.findByText('All systems operational')).toBeTruthy();
    expect(document.title).toBe('Status · Lumina');
    const request = fetch.mock.calls[0]![0] as unknown as Request;
    expect(new URL(request.url).pathname).toBe('/health');

    const overview = screen.getByRole('region', { name: 'Overview' });
    expect(within(overview).getByText('0.1.0')).toBeTruthy();
    expect(within(overview).getByText('1 h 2 min')).toBeTruthy();

    const database = screen.getByRole('heading', { name: 'Database' }).closest('li')!;
    expect(within(database).getByText('Operational')).toBeTruthy();
    expect(within(database).getByText('Embedded PGlite')).toBeTruthy();
    expect(within(database).getByText('Available')).toBeTruthy();
    expect(within(database).getAllByText('2 ms').length).toBeGreaterThan(0);

    const redis = screen.getByRole('heading', { name: 'Redis' }).closest('li')!;
    expect(within(redis).getByText('Operational')).toBeTruthy();
  });

  it('shows a degraded server (Redis away, local fallbacks in use) as working', async () => {
    const degraded: HealthReport = {
      ...healthy,
      status: 'degraded',
      checks: {
        ...healthy.checks,
        redis: { status: 'error', latencyMs: 2003, message: 'Redis did not answer' },
      },
    };
    renderWithApp(<StatusPage />, { fetch: jsonFetch(degraded) });

    expect(await screen.findByText('Running with reduced capacity')).toBeTruthy();
    expect(screen.queryByText('Some checks are failing')).toBeNull();
    const redis = screen.getByRole('heading', { name: 'Redis' }).closest('li')!;
    expect(within(redis).getByText('Failing')).toBeTruthy();
    expect(within(redis).getByText('Redis did not answer')).toBeTruthy();
    expect(within(redis).getAllByText('2.0 s').length).toBeGreaterThan(0);
  });

  it('shows a failing server from a 503 answer, with Redis not configured', async () => {
    const failing: HealthReport = {
      ...healthy,
      status: 'error',
      checks: {
        database: { status: 'error', latencyMs: 5000, kind: 'postgres', vector: false, message: 'timeout' },
      },
    };
    renderWithApp(<StatusPage />, { fetch: jsonFetch(failing, { status: 503 }) });

    expect(await screen.findByText('Some checks are failing')).toBeTruthy();
    const database = screen.getByRole('heading', { name: 'Database' }).closest('li')!;
    expect(within(database).getByText('PostgreSQL')).toBeTruthy();
    expect(within(database).getByText('Not available')).toBeTruthy();
    expect(within(database).getByText('timeout')).toBeTruthy();
    expect(screen.getByText('Not configured')).toBeTruthy();
  });

  it('explains an unreachable server and retries on request', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>().mockRejectedValueOnce(new TypeError('Failed to fetch'));
    fetch.mockImplementation(jsonFetch(healthy));
    renderWithApp(<StatusPage />, { fetch });

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Can’t reach the Lumina server')).toBeTruthy();
    expect(within(alert).getByText(/Check that it is still running/)).toBeTruthy();

    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }));

    expect(await screen.findByText('All systems operational')).toBeTruthy();
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
