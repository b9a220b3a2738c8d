import { LuminaApiError } from '@lumina/sdk';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorBoundary } from './error-boundary';

let shouldThrow: unknown;

function Flaky() {
  if (shouldThrow) throw shouldThrow;
  return <p>Page content</p>;
}

describe('ErrorBoundary', () => {
  beforeEach(() => {
    // React logs caught render errors; keep the test output readable.
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });

  it('shows the request id of a LuminaApiError and renders the page again on "Try again"', async () => {
    shouldThrow = new LuminaApiError(500, 'internal_error', 'The server failed', '0199a1b2-req');
    const onReset = vi.fn();
    render(
      <ErrorBoundary onReset={onReset}>
        <Flaky />
      </ErrorBoundary>,
    );

    expect(screen.getByRole('alert')).toBeTruthy();
    expect(screen.getByText('The server ran into a problem')).toBeTruthy();
    expect(screen.getByText('The server failed')).toBeTruthy();
    expect(screen.getByText(/Reference:/).textContent).toBe('Reference: 0199a1b2-req');
    expect(screen.getByRole('button', { name: 'Copy reference' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Go home' }).getAttribute('href')).toBe('/');

    shouldThrow = undefined;
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));

    expect(onReset).toHaveBeenCalledOnce();
    expect(screen.getByText('Page content')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('copies the reference to the clipboard', async () => {
    const user = userEvent.setup();
    shouldThrow = new LuminaApiError(502, 'upstream_error', 'Bad gateway', 'req-42');
    render(
      <ErrorBoundary>
        <Flaky />
      </ErrorBoundary>,
    );

    await user.click(screen.getByRole('button', { name: 'Copy reference' }));

    expect(await navigator.clipboard.readText()).toBe('req-42');
    expect(screen.getByRole('button', { name: 'Copied' })).toBeTruthy();
  });

  it('shows a generic message without a reference for other errors, and clears on a new route', () => {
    shouldThrow = new TypeError('x is undefined');
    const { rerender } = render(
      <ErrorBoundary resetKey="/a">
        <Flaky />
      </ErrorBoundary>,
    );

    expect(screen.getByText('Something went wrong')).toBeTruthy();
    expect(screen.queryByText(/Reference:/)).toBeNull();
    expect(screen.queryByText('x is undefined')).toBeNull();

    shouldThrow = undefined;
    rerender(
      <ErrorBoundary resetKey="/b">
        <Flaky />
      </ErrorBoundary>,
    );
    expect(screen.getByText('Page content')).toBeTruthy();
  });
});
