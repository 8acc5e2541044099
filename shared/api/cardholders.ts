// Cardholders: the issue-card form's list (GET /api/cardholders), the cardholders page of an
// account (GET /api/accounts/:account/cardholders), creating a cardholder (POST /api/cardholders)
// and changing one's spending controls (POST /api/cardholders/:id).
import { Type, type Static } from 'typebox';
import { AccountId } from './common.ts';
import { NullableString } from './fields.ts';
import { SpendingControlsInput } from './spending-controls.ts';

// ---- the issue-card form ---------------------------------------------------------------------

export const CardholdersQuery = Type.Object({ account: AccountId }, { additionalProperties: false });
export type CardholdersQuery = Static<typeof CardholdersQuery>;

export const CardholderSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  type: Type.String(),
});
export type CardholderSummary = Static<typeof CardholderSummary>;

export const CardholdersResponse = Type.Object({ data: Type.Array(CardholderSummary) });
export type CardholdersResponse = Static<typeof CardholdersResponse>;

// ---- the cardholders page --------------------------------------------------------------------

export const AccountParams = Type.Object({ account: AccountId });
export type AccountParams = Static<typeof AccountParams>;

export const AccountCardholdersQuery = Type.Object(
  {
    /** Part of a name, email or phone number, or a cardholder id. */
    q: Type.Optional(Type.String({ maxLength: 100 })),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('blocked')])),
  },
  { additionalProperties: false },
);
export type AccountCardholdersQuery = Static<typeof AccountCardholdersQuery>;

/** A cardholder as the cardholders page shows it. */
export const CardholderDetails = Type.Object({
  id: Type.String(),
  account: Type.String(),
  name: Type.String(),
  email: NullableString,
  phone_number: NullableString,
  status: Type.String(),
  type: Type.String(),
  created: Type.Integer(),
  /** Cards of this cardholder, by status (from the card index). */
  cards: Type.Object({ active: Type.Integer(), inactive: Type.Integer(), canceled: Type.Integer() }),
  // Stripe's spending_controls object, passed through.
  spending_controls: Type.Object({}, { additionalProperties: true }),
  /** Stripe's requirements: why the cardholder cannot get cards yet, if anything is missing. */
  requirements: Type.Object({ disabled_reason: NullableString, past_due: Type.Array(Type.String()) }),
});
export type CardholderDetails = Static<typeof CardholderDetails>;

export const CardholderDetailsResponse = Type.Object({
  data: Type.Array(CardholderDetails),
  truncated: Type.Boolean(),
});
export type CardholderDetailsResponse = Static<typeof CardholderDetailsResponse>;

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

/** A new cardholder: Stripe's fields (docs.stripe.com/api/issuing/cardholders/create); Stripe validates them. */
export const CreateCardholderBody = Type.Object(
  {
    account: AccountId,
    type: Type.Union([Type.Literal('individual'), Type.Literal('company')]),
    name: Text(200),
    email: Type.Optional(Type.String({ maxLength: 254 })),
    phone_number: Type.Optional(Type.String({ maxLength: 30 })),
    individual: Type.Optional(
      Type.Object({ first_name: Text(100), last_name: Text(100) }, { additionalProperties: false }),
    ),
    billing: Type.Object(
      {
        address: Type.Object(
          {
            line1: Text(200),
            line2: Type.Optional(Type.String({ maxLength: 200 })),
            city: Text(100),
            state: Type.Optional(Type.String({ maxLength: 100 })),
            postal_code: Text(20),
            country: Type.String({ pattern: '^[A-Z]{2}$' }),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    spending_controls: Type.Optional(SpendingControlsInput),
    /** Chosen once per filled-in form: a double submit creates one cardholder. */
    request_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,100}$' })),
  },
  { additionalProperties: false },
);
export type CreateCardholderBody = Static<typeof CreateCardholderBody>;

export const CardholderParams = Type.Object({ id: Type.String({ pattern: '^ich_[A-Za-z0-9_]{1,200}$' }) });
export type CardholderParams = Static<typeof CardholderParams>;

export const UpdateCardholderBody = Type.Object(
  { account: AccountId, spending_controls: SpendingControlsInput },
  { additionalProperties: false },
);
export type UpdateCardholderBody = Static<typeof UpdateCardholderBody>;
