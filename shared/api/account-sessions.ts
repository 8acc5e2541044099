// POST /api/account-sessions: a client secret for Stripe's embedded components.
import { Type, type Static } from 'typebox';
import { AccountId } from './common.ts';

export const AccountSessionBody = Type.Object({ account: AccountId }, { additionalProperties: false });
export type AccountSessionBody = Static<typeof AccountSessionBody>;

export const AccountSessionResponse = Type.Object({ client_secret: Type.String(), expires_at: Type.Integer() });
export type AccountSessionResponse = Static<typeof AccountSessionResponse>;
