// The spending controls the app lets a user set, on cards and on cardholders.
import { Type, type Static } from 'typebox';

const Interval = Type.Union([
  Type.Literal('per_authorization'),
  Type.Literal('daily'),
  Type.Literal('weekly'),
  Type.Literal('monthly'),
  Type.Literal('yearly'),
  Type.Literal('all_time'),
]);
const Category = Type.String({ pattern: '^[a-z0-9_]{1,100}$' });

/** The spending controls the app lets a user set (Stripe's names; amounts in the card currency's smallest unit). */
export const SpendingControlsInput = Type.Object(
  {
    spending_limits: Type.Optional(
      Type.Array(
        Type.Object(
          {
            amount: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
            interval: Interval,
            categories: Type.Optional(Type.Array(Category, { maxItems: 50 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 10 },
      ),
    ),
    allowed_categories: Type.Optional(Type.Array(Category, { maxItems: 100 })),
    blocked_categories: Type.Optional(Type.Array(Category, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type SpendingControlsInput = Static<typeof SpendingControlsInput>;
