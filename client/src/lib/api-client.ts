// The one way the client talks to the app server: JSON in and out, the session cookie sent
// (same origin), and every failure turned into an ApiError carrying the server's
// `{ error: { code, message, field } }` so that forms can show the message next to the field.

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  query?: Record<string, QueryValue>;
  signal?: AbortSignal;
  /**
   * A 401 normally means the session is gone and sends the user to the login page. The login
   * request itself answers 401 for wrong credentials, which the form shows instead.
   */
  redirectOnUnauthorized?: boolean;
}

type UnauthorizedHandler = () => void;
let unauthorizedHandler: UnauthorizedHandler | undefined;
type FailureHandler = (path: string, error: ApiError) => void;
let failureHandler: FailureHandler | undefined;
let baseUrl = '';

/** The app registers how to reach the login page (the router lives in app/). */
export function onUnauthorized(handler: UnauthorizedHandler | undefined): void {
  unauthorizedHandler = handler;
}

/**
 * Told of every request that failed on the far side (no answer, or a 5xx): the app asks then
 * whether Stripe can be reached, for the freshness banner (decision 152).
 */
export function onServerFailure(handler: FailureHandler | undefined): void {
  failureHandler = handler;
}

function failed(path: string, error: ApiError): ApiError {
  if (error.status === 0 || error.status >= 500) {
    try {
      failureHandler?.(path, error);
    } catch {
      // The page's own error handling goes on regardless.
    }
  }
  return error;
}

/** Only for tests running outside a browser, where relative URLs have no origin. */
export function setApiBaseUrl(url: string): void {
  baseUrl = url.replace(/\/$/, '');
}

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.append(key, String(value));
  }
  const search = params.toString();
  return `${baseUrl}${path}${search ? `?${search}` : ''}`;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, query, signal, redirectOnUnauthorized = true } = options;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(buildUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    throw failed(
      path,
      new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.'),
    );
  }

  if (response.status === 401 && redirectOnUnauthorized) unauthorizedHandler?.();
  if (!response.ok) throw failed(path, await errorFrom(response));
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, 'invalid_response', 'The server sent a response the app could not read.');
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  const fallback = fallbackMessage(response.status);
  let payload: unknown;
  try {
    payload = await response.json();
  } catch {
    return new ApiError(response.status, `http_${response.status}`, fallback);
  }
  const error = (payload as { error?: unknown } | null)?.error;
  if (error && typeof error === 'object') {
    const { code, message, field } = error as Record<string, unknown>;
    return new ApiError(
      response.status,
      typeof code === 'string' ? code : `http_${response.status}`,
      typeof message === 'string' && message ? message : fallback,
      typeof field === 'string' ? field : undefined,
    );
  }
  return new ApiError(response.status, `http_${response.status}`, fallback);
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'Please sign in again.';
  if (status === 403) return 'You do not have access to this.';
  if (status === 404) return 'Not found.';
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  if (status >= 500) return 'The server had a problem. Try again in a moment.';
  return `The request failed (HTTP ${status}).`;
}

/** A message fit to show a user for anything thrown by a request or a component. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}

export const api = {
  get: <T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal) =>
    apiRequest<T>(path, { query, signal }),
  post: <T>(path: string, body?: unknown, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    apiRequest<T>(path, { ...options, method: 'POST', body: body ?? {} }),
  delete: <T>(path: string, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    apiRequest<T>(path, { ...options, method: 'DELETE' }),
};
