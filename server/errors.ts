// The one error type routes throw; the error handler turns it into
// `{ error: { code, message, field? } }` with its status.
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, field?: string, code = 'invalid_request') =>
  new HttpError(400, code, message, field);
export const unauthenticated = (message = 'Sign in first.') => new HttpError(401, 'unauthenticated', message);
export const forbidden = (message = 'You may not do that.', code = 'forbidden') => new HttpError(403, code, message);
export const notFound = (message = 'Not found.', code = 'not_found') => new HttpError(404, code, message);
export const tooManyRequests = (message: string) => new HttpError(429, 'rate_limited', message);
export const stripeUnavailable = () =>
  new HttpError(502, 'stripe_unavailable', 'Stripe did not answer as expected. Try again in a moment.');
