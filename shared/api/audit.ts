// GET /api/audit and the hash-chained audit trail's rows.
import { Type, type Static } from 'typebox';
import { AccountId, CardId } from './common.ts';
import { NullableString } from './fields.ts';

export const AuditQuery = Type.Object(
  {
    /** A trail kind (`reveal`, `card.status_changed`…) or a prefix of kinds (`card`). */
    kind: Type.Optional(Type.String({ pattern: '^[a-z_]{1,40}(\\.[a-z_]{1,40})?$' })),
    account: Type.Optional(AccountId),
    card: Type.Optional(CardId),
    /** A user id or email. */
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601, inclusive' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601, exclusive' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 500 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

/** A row of the hash-chained audit trail as stored (server/db/audit-trail.ts). */
export const TrailRow = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  created_at: Type.String({ description: 'ISO 8601' }),
  kind: Type.String(),
  actor_user_id: NullableString,
  actor_email: NullableString,
  actor_role: NullableString,
  account_id: NullableString,
  card_id: NullableString,
  cardholder_id: NullableString,
  subject: NullableString,
  details: Type.Record(Type.String(), Type.Unknown()),
  ip: NullableString,
  user_agent: NullableString,
  hash: Type.String(),
});
export type TrailRow = Static<typeof TrailRow>;

/**
 * A row of the audit page: one trail row, with who did it (`user_id`, `email`, `role`) and the
 * reveal fields (`outcome`, `reason`, `deny_reason`, `ephemeral_key_id`) lifted out of `details`
 * (null for kinds without them); `account_name` is the connected account's name when known.
 */
export const AuditRow = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  created_at: Type.String({ description: 'ISO 8601' }),
  kind: Type.String(),
  user_id: NullableString,
  email: NullableString,
  role: NullableString,
  card_id: NullableString,
  account_id: NullableString,
  account_name: NullableString,
  cardholder_id: NullableString,
  subject: NullableString,
  reason: NullableString,
  outcome: Type.Union([Type.Literal('granted'), Type.Literal('denied'), Type.Null()]),
  deny_reason: NullableString,
  ip: NullableString,
  user_agent: NullableString,
  ephemeral_key_id: NullableString,
  details: Type.Record(Type.String(), Type.Unknown()),
  hash: Type.String(),
});
export type AuditRow = Static<typeof AuditRow>;

export const AuditResponse = Type.Object({ data: Type.Array(AuditRow) });
export type AuditResponse = Static<typeof AuditResponse>;
