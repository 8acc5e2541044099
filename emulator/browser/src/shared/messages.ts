// The postMessage protocol between the host page's scripts (connect.js, stripe.js) and the
// emulator's frames: `{ns: 'stripe-emulator', type, …}`. Frames never send card data to the host.

export const MESSAGE_NS = 'stripe-emulator';

export interface FrameMessage {
  ns?: typeof MESSAGE_NS;
  type: string;
  requestId?: string;
  [field: string]: unknown;
}

export function isFrameMessage(data: unknown): data is FrameMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { ns?: unknown }).ns === MESSAGE_NS &&
    typeof (data as { type?: unknown }).type === 'string'
  );
}

/** Stripe's error object as the browser scripts pass it on. */
export interface StripeErrorLike {
  type: string;
  message: string;
  code?: string;
  [field: string]: unknown;
}

export const CONNECTION_ERROR_MESSAGE = "Couldn't reach Stripe. Check your connection and try again.";
