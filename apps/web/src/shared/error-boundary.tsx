import { Component, type ErrorInfo, type ReactNode } from 'react';
import { ErrorState } from './states';

interface State {
  error: unknown;
}

/** A screen that crashes shows what happened and a retry, instead of a blank page. */
export class ScreenErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // The browser console is where an operator or developer looks for the stack.
    console.error(error, info.componentStack); // eslint-disable-line no-console
  }

  override render() {
    if (this.state.error) {
      return <ErrorState error={this.state.error} onRetry={() => this.setState({ error: null })} />;
    }
    return this.props.children;
  }
}
