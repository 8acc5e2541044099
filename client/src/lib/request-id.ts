/**
 * A random id for one filled-in form. The server derives Stripe's Idempotency-Key from it, so
 * the same form sent twice (double click, retry after a timeout) issues one card or cardholder.
 * getRandomValues also works on plain-http origins, where crypto.randomUUID does not.
 */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
