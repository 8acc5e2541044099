// The `Stripe-Signature` header, as Stripe signs webhook deliveries
// (docs.stripe.com/webhooks#verify-manually): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`,
// keyed with the whole `whsec_…` string (stripe-node's Webhooks.js does the same to verify).
// Test-mode deliveries also carry a `v0` made with an unrelated key; libraries ignore it.
import { createHmac, randomBytes } from 'node:crypto';
import { randomString } from '../ids.ts';

export function newWebhookSecret(): string {
  return `whsec_${randomString(32)}`;
}

export function computeSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

export function signatureHeader(secret: string, timestamp: number, body: string): string {
  const v0 = createHmac('sha256', randomBytes(32)).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, body)},v0=${v0}`;
}
