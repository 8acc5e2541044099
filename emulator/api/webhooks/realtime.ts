// Synchronous delivery of `issuing_authorization.request` (docs.stripe.com/issuing/controls/real-time-authorizations).
//
// Signature, for the authorization engine:
//
//   sendAuthorizationRequest(runtime: EmulatorRuntime, request: {
//     account: string;                               // the authorization's account (connected or platform)
//     authorization: Stripe.Issuing.Authorization;   // the pending authorization, sent as data.object
//     signal: AbortSignal;                           // aborted by the caller when its 2 s are up
//   }): Promise<{ status: number; body: string; stripeVersion?: string; contentType?: string } | undefined>
//
//   authorizationRequestSender(runtime) => (request) => sendAuthorizationRequest(runtime, request)
//
// It goes to the endpoint of the platform's Issuing settings (../issuing/settings.ts), never to
// the webhook endpoints of the API: "Your synchronous webhook is only used for authorization
// requests. All other notifications are sent to your regular webhook endpoint." It records an
// `issuing_authorization.request` event and POSTs it, signed like every delivery (Stripe-Signature
// with the setting's secret, and `Accept: application/json` as since 2025-03-31.basil). It
// resolves `undefined` when no endpoint is set (Stripe then decides without asking: "If you
// don't have a webhook endpoint … we approve the authorization without sending the
// issuing_authorization.request"), otherwise the HTTP status, raw body and the `Stripe-Version`
// and `Content-Type` headers of the answer; it rejects when the endpoint cannot be reached. It
// does not retry: the request has a 2-second window.
//
// The engine's `askPlatform` (../issuing/realtime.ts) owns the 2-second rule and reads the answer
// into approved / declined / timeout / error / no_endpoint; it gets this function through
// `setAuthorizationRequestSender(store, authorizationRequestSender(runtime))` (emulator/app.ts).
import type Stripe from 'stripe';
import { authorizationEndpoint } from '../issuing/settings.ts';
import type { EmulatorRuntime } from '../router.ts';
import { DELIVERY_HEADERS } from './delivery.ts';
import { webhooksOf } from './service.ts';
import { signatureHeader } from './signature.ts';

export const AUTHORIZATION_REQUEST_EVENT = 'issuing_authorization.request';

export interface AuthorizationRequestInput {
  account: string;
  authorization: Stripe.Issuing.Authorization;
  signal: AbortSignal;
}

export interface AuthorizationRequestAnswer {
  status: number;
  body: string;
  /** The answer's `Stripe-Version` header, which Stripe requires. */
  stripeVersion?: string;
  contentType?: string;
}

export async function sendAuthorizationRequest(
  runtime: EmulatorRuntime,
  request: AuthorizationRequestInput,
): Promise<AuthorizationRequestAnswer | undefined> {
  const service = webhooksOf(runtime);
  const endpoint = authorizationEndpoint(runtime.store);
  if (!endpoint) return undefined;
  const event = service.createEvent(
    { type: AUTHORIZATION_REQUEST_EVENT, account: request.account, object: request.authorization },
    1,
  );
  // Pretty-printed, as Stripe sends events; the signature covers these exact bytes.
  const body = JSON.stringify(event, null, 2);
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: {
      ...DELIVERY_HEADERS,
      accept: 'application/json',
      'stripe-signature': signatureHeader(endpoint.secret, Math.floor(Date.now() / 1000), body),
    },
    body,
    redirect: 'manual',
    signal: request.signal,
  });
  const text = await response.text();
  const ok = response.status === 200;
  if (ok) service.delivered(event.id, request.account);
  service.dispatcher.attempts.push({
    eventId: event.id,
    eventType: event.type,
    endpointId: 'issuing_settings',
    url: endpoint.url,
    attempt: 1,
    status: response.status,
    ok,
    at: Date.now(),
  });
  const answer: AuthorizationRequestAnswer = { status: response.status, body: text };
  const version = response.headers.get('stripe-version');
  if (version !== null) answer.stripeVersion = version;
  const contentType = response.headers.get('content-type');
  if (contentType !== null) answer.contentType = contentType;
  return answer;
}

export function authorizationRequestSender(runtime: EmulatorRuntime) {
  return (request: AuthorizationRequestInput) => sendAuthorizationRequest(runtime, request);
}
