import type { LoadError } from '@stripe/connect-js';
import { ErrorMessage } from '../../../components/status.tsx';

// Connect reports a failure as { error: { type, message? }, elementTagName }; the type names
// come from @stripe/connect-js (LoadError), the wording is ours.
const explanations: Record<string, string> = {
  api_connection_error: 'Could not reach Stripe. Check your connection and try again.',
  authentication_error: 'Stripe did not accept the session for this account. Sign in again and retry.',
  account_session_create_error: 'Could not start a Stripe session for this account.',
  invalid_request_error: 'Stripe rejected a request made by the card view.',
  rate_limit_error: 'Stripe is receiving too many requests. Wait a moment and try again.',
  render_error: 'The card view could not be displayed.',
  api_error: 'Stripe had a problem loading the card view.',
};

export function describeLoadError(loadError: LoadError): string {
  const { type, message } = loadError.error;
  const explanation = explanations[type] ?? 'The card view could not be loaded.';
  return message && message !== explanation ? `${explanation} (${message})` : explanation;
}

export function ConnectLoadError({ loadError, onRetry }: { loadError: LoadError; onRetry?: () => void }) {
  return (
    <ErrorMessage title="The cards could not be loaded" message={describeLoadError(loadError)} onRetry={onRetry} />
  );
}
