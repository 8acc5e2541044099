// Stripe's Connect load-error types (connect-js componentsAndSetters.d.ts: account_session_create_error,
// authentication_error, rate_limit_error, invalid_request_error, api_error, api_connection_error).
import { CONNECTION_ERROR_MESSAGE } from '../shared/messages.ts';

export class ConnectError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

export function errorTypeForStatus(status: number): string {
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 400 && status < 500) return 'invalid_request_error';
  return 'api_error';
}

export function connectionError(): ConnectError {
  return new ConnectError('api_connection_error', CONNECTION_ERROR_MESSAGE);
}

/** A thrown value's message, for people. */
export function errorMessage(error: unknown, fallback: string): string {
  if (error instanceof Error && error.message) return error.message;
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string' &&
    (error as { message: string }).message
  ) {
    return (error as { message: string }).message;
  }
  if (typeof error === 'string' && error) return error;
  return fallback;
}
