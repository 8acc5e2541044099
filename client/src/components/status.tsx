// The loading, empty and error states every page uses, so that they look and read the same.
import type { ReactNode } from 'react';
import { errorMessage } from '../lib/api-client.ts';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="status status-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** An error as the page shows it: the message is `message` when given, else read from `error`. */
export function ErrorMessage({
  error,
  message,
  title = 'Something went wrong',
  onRetry,
}: {
  error?: unknown;
  message?: string;
  title?: string;
  onRetry?: () => void;
}) {
  return (
    <div className="status status-error" role="alert">
      <p>
        <strong>{title}.</strong> {message ?? errorMessage(error)}
      </p>
      {onRetry && (
        <button type="button" className="button-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="status status-empty">{children}</p>;
}
