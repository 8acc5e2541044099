// POST /api/ephemeral-keys: a key to reveal a card's details, or a Connect component's key.
import { Type, type Static } from 'typebox';
import { AccountId, CardId, Nonce } from './common.ts';

/** The Connect issuing components that fetch ephemeral keys. */
export const ConnectComponent = Type.Union([Type.Literal('issuing_card'), Type.Literal('issuing_cards_list')]);

export const EphemeralKeyBody = Type.Object(
  {
    card_id: CardId,
    nonce: Nonce,
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    /** The card's connected account, when the client knows it (from its URL): saves a lookup; verified by the server. */
    account: Type.Optional(AccountId),
    /**
     * Set by Connect's `fetchEphemeralKey` callback: the key is for this component, which fetches one
     * for every card it loads (a component key, not a reveal: docs/decisions/060).
     */
    component: Type.Optional(ConnectComponent),
  },
  { additionalProperties: false },
);
export type EphemeralKeyBody = Static<typeof EphemeralKeyBody>;

/** The shape Connect's `fetchEphemeralKey` callback and the Issuing Elements need. */
export const EphemeralKeyResponse = Type.Object({
  ephemeralKeySecret: Type.String(),
  expires: Type.Integer(),
  issuingCard: Type.String(),
  nonce: Type.String(),
});
export type EphemeralKeyResponse = Static<typeof EphemeralKeyResponse>;
