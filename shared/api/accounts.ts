// GET /api/accounts: the connected accounts a user reaches, and whether each can issue cards.
import { Type, type Static } from 'typebox';
import { AccountActivity } from '../overview.ts';

export const AccountsQuery = Type.Object(
  { q: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
export type AccountsQuery = Static<typeof AccountsQuery>;

/**
 * Whether Stripe lets the account issue cards: its `card_issuing` capability and, while that is
 * not active, what Stripe still needs (`requirements.currently_due`), in words and as Stripe names it.
 */
export const IssuingReadiness = Type.Object({
  status: Type.Union([
    Type.Literal('active'),
    Type.Literal('pending'),
    Type.Literal('inactive'),
    Type.Literal('not_requested'),
  ]),
  currently_due: Type.Array(Type.String(), { description: 'What Stripe still needs, in words' }),
  currently_due_fields: Type.Array(Type.String(), {
    description: "Stripe's requirement names (requirements.currently_due)",
  }),
});
export type IssuingReadiness = Static<typeof IssuingReadiness>;

export const AccountSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  card_count: Type.Integer(),
  card_issuing: IssuingReadiness,
  /** Cards and the last 7 days' activity from the mirror (browsing roles only; shared/overview.ts). */
  activity: Type.Optional(AccountActivity),
});
export type AccountSummary = Static<typeof AccountSummary>;

export const AccountsResponse = Type.Object({ data: Type.Array(AccountSummary) });
export type AccountsResponse = Static<typeof AccountsResponse>;
