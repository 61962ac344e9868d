import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Alert, Button, Code, Stack, Text } from '@mantine/core';

interface State {
  error: Error | null;
}

/** ErrorBoundary keeps a rendering bug in one page from blanking the whole UI; it says what happened and offers a reload. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('UI error', error, info.componentStack);
  }

  override componentDidUpdate(prev: { resetKey?: string }): void {
    // Navigating elsewhere gives the next page a fresh start.
    if (this.state.error && prev.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <Alert color="red" variant="light" title="This page failed to draw" role="alert" data-testid="error-state">
        <Stack gap="xs">
          <Text size="sm">The UI hit a bug while showing this data. Reload the page; if it happens again, report it with the message below.</Text>
          <Code block>{this.state.error.message}</Code>
          <div>
            <Button size="xs" variant="default" onClick={() => window.location.reload()}>
              Reload
            </Button>
          </div>
        </Stack>
      </Alert>
    );
  }
}
