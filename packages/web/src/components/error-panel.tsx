import { LuminaApiError, LuminaNetworkError } from '@lumina/sdk';
import { Home, RotateCcw, TriangleAlert, WifiOff } from 'lucide-react';
import { CopyButton } from './copy-button';

interface ErrorPanelProps {
  error: unknown;
  /** Shown as "Try again"; omitted when there is nothing to retry. */
  onRetry?: () => void;
  retryLabel?: string;
  /** Offer a way back to the home page (not needed when the panel is inside a page). */
  showHome?: boolean;
  /** The heading level that fits where the panel is shown. */
  headingLevel?: 'h1' | 'h2';
}

/** Title and explanation a person understands, for any error the app can meet. */
export function describeError(error: unknown): { title: string; message: string; offline: boolean } {
  if (error instanceof LuminaNetworkError) {
    return {
      title: 'Can’t reach the Lumina server',
      message:
        'The server may have stopped or restarted. Check that it is still running (npm start), then try again.',
      offline: true,
    };
  }
  if (error instanceof LuminaApiError) {
    return {
      title: error.status >= 500 ? 'The server ran into a problem' : 'That request didn’t work',
      message: error.message,
      offline: false,
    };
  }
  return {
    title: 'Something went wrong',
    message: 'An unexpected error stopped this page from showing. Trying again usually helps.',
    offline: false,
  };
}

/** A friendly error message with the request id to quote when asking for help. */
export function ErrorPanel({
  error,
  onRetry,
  retryLabel = 'Try again',
  showHome = false,
  headingLevel: Heading = 'h2',
}: ErrorPanelProps) {
  const { title, message, offline } = describeError(error);
  const requestId = error instanceof LuminaApiError ? error.requestId : undefined;
  const Icon = offline ? WifiOff : TriangleAlert;

  return (
    <div role="alert" className="card flex flex-col items-center px-6 py-10 text-center sm:px-10">
      <span className="flex size-12 items-center justify-center rounded-full bg-bad-soft text-bad">
        <Icon className="size-6" aria-hidden="true" />
      </span>
      <Heading className="mt-4 text-lg font-semibold text-ink">{title}</Heading>
      <p className="mt-1.5 max-w-md text-ink-muted">{message}</p>
      {requestId ? (
        <p className="mt-4 flex max-w-full items-center gap-1 rounded-lg bg-surface-sunken py-1 pr-1 pl-3 text-xs text-ink-muted">
          <span className="truncate">
            Reference: <code className="font-mono text-ink">{requestId}</code>
          </span>
          <CopyButton text={requestId} label="Copy reference" />
        </p>
      ) : null}
      {onRetry || showHome ? (
        <div className="mt-6 flex flex-wrap justify-center gap-2">
          {onRetry ? (
            <button type="button" className="btn-primary" onClick={onRetry}>
              <RotateCcw className="size-4" aria-hidden="true" />
              {retryLabel}
            </button>
          ) : null}
          {showHome ? (
            // A full page load: after an unexpected error, a fresh start is the safest way home.
            <a href="/" className="btn-secondary">
              <Home className="size-4" aria-hidden="true" />
              Go home
            </a>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
