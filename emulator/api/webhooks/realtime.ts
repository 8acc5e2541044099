// Synchronous delivery of `issuing_authorization.request` (docs.stripe.com/issuing/controls/real-time-authorizations).
//
// Signature, for the authorization engine:
//
//   sendAuthorizationRequest(runtime: EmulatorRuntime, request: {
//     account: string;                               // the authorization's account (connected or platform)
//     authorization: Stripe.Issuing.Authorization;   // the pending authorization, sent as data.object
//     signal: AbortSignal;                           // aborted by the caller when its 2 s are up
//   }): Promise<{ status: number; body: string } | undefined>
//
//   authorizationRequestSender(runtime) => (request) => sendAuthorizationRequest(runtime, request)
//
// It records an `issuing_authorization.request` event and POSTs it, signed like every delivery
// (Stripe-Signature, and `Accept: application/json` as since 2025-03-31.basil), to the endpoints
// that enable it: the platform's `connect` endpoints for a connected account's authorization, the
// platform's account endpoints for its own (./endpoints.ts). It resolves `undefined` when no
// endpoint listens (Stripe then decides without asking), otherwise the HTTP status and raw body of
// the answer: the first endpoint (oldest first) that answered 2xx, else the first that answered at
// all; it rejects when none could be reached. It does not retry: the request has a 2-second window.
//
// The engine's `askPlatform` (../issuing/realtime.ts) owns the 2-second rule and reads the answer
// into approved / declined / timeout / error / no_endpoint; it gets this function through
// `setAuthorizationRequestSender(store, authorizationRequestSender(runtime))` (emulator/app.ts).
import type Stripe from 'stripe';
import type { EmulatorRuntime } from '../router.ts';
import { DELIVERY_HEADERS } from './delivery.ts';
import { endpointsFor } from './endpoints.ts';
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
}

export async function sendAuthorizationRequest(
  runtime: EmulatorRuntime,
  request: AuthorizationRequestInput,
): Promise<AuthorizationRequestAnswer | undefined> {
  const service = webhooksOf(runtime);
  const endpoints = endpointsFor(runtime.store, request.account, AUTHORIZATION_REQUEST_EVENT);
  if (endpoints.length === 0) return undefined;
  const event = service.createEvent(
    { type: AUTHORIZATION_REQUEST_EVENT, account: request.account, object: request.authorization },
    endpoints.length,
  );
  const answers = await Promise.allSettled(
    endpoints.map(async (endpoint) => {
      const body = service.payload(event, endpoint);
      const response = await fetch(endpoint.endpoint.url, {
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
      const ok = response.status >= 200 && response.status < 300;
      if (ok) service.delivered(event.id, request.account);
      service.dispatcher.attempts.push({
        eventId: event.id,
        eventType: event.type,
        endpointId: endpoint.id,
        url: endpoint.endpoint.url,
        attempt: 1,
        status: response.status,
        ok,
        at: Date.now(),
      });
      return { status: response.status, body: text };
    }),
  );
  const fulfilled = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  const chosen = fulfilled.find((a) => a.status >= 200 && a.status < 300) ?? fulfilled[0];
  if (chosen) return chosen;
  const failure = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
  throw failure?.reason instanceof Error ? failure.reason : new Error('no webhook endpoint could be reached');
}

export function authorizationRequestSender(runtime: EmulatorRuntime) {
  return (request: AuthorizationRequestInput) => sendAuthorizationRequest(runtime, request);
}
