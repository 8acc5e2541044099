// POST /api/cards/:id/pin.
import { Type, type Static } from 'typebox';

/**
 * The new PIN, encrypted in the browser with Stripe's Issuing key: a compact JWE whose protected
 * header is `{alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid}` (docs.stripe.com/issuing/cards/pin-management).
 * The server checks the form and forwards it; it never sees the PIN.
 */
export const SetPinBody = Type.Object(
  { encrypted_number: Type.String({ minLength: 1, maxLength: 8192 }) },
  { additionalProperties: false },
);
export type SetPinBody = Static<typeof SetPinBody>;

export const SetPinResponse = Type.Object({ ok: Type.Literal(true) });
export type SetPinResponse = Static<typeof SetPinResponse>;
