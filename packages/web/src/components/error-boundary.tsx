import { Component, type ErrorInfo, type ReactNode } from 'react';
import { ErrorPanel } from './error-panel';

interface ErrorBoundaryProps {
  children: ReactNode;
  /** When this changes (e.g. the route), a shown error is cleared. */
  resetKey?: unknown;
  /** Called on "Try again", before the children render again (e.g. to reset failed queries). */
  onReset?: () => void;
}

interface ErrorBoundaryState {
  error: unknown;
  hasError: boolean;
  resetKey: unknown;
}

/**
 * Catches render errors below it and shows a friendly panel with "Try again" and "Go home";
 * a LuminaApiError's request id is shown as a reference to quote.
 */
export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { error: undefined, hasError: false, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<ErrorBoundaryState> {
    return { error, hasError: true };
  }

  static getDerivedStateFromProps(
    props: ErrorBoundaryProps,
    state: ErrorBoundaryState,
  ): Partial<ErrorBoundaryState> | null {
    if (props.resetKey !== state.resetKey)
      return { resetKey: props.resetKey, error: undefined, hasError: false };
    return null;
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('A page failed to render', error, info.componentStack);
  }

  reset = () => {
    this.props.onReset?.();
    this.setState({ error: undefined, hasError: false });
  };

  override render() {
    if (!this.state.hasError) return this.props.children;
    return <ErrorPanel error={this.state.error} onRetry={this.reset} showHome headingLevel="h1" />;
  }
}
