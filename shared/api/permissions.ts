// What a role may do, as GET /api/me answers it: shared/policy.ts's `Permissions`, as a schema.
// The schema is written out (a JSON Schema needs the field list at run time, and policy.ts
// imports nothing); the check below fails tsc when the two drift apart.
import { Type, type Static } from 'typebox';
import type { Permissions as PolicyPermissions } from '../policy.ts';
import { CardType } from './fields.ts';
import type { Plain, SameType } from './same-type.ts';

export const Permissions = Type.Object({
  viewCards: Type.Boolean(),
  issueCards: Type.Boolean(),
  updateCardStatus: Type.Boolean(),
  cancelCards: Type.Boolean(),
  replaceCards: Type.Boolean(),
  editSpendingControls: Type.Boolean(),
  setPin: Type.Boolean(),
  freezeLostCards: Type.Boolean(),
  viewCardholders: Type.Boolean(),
  manageCardholders: Type.Boolean(),
  readAudit: Type.Boolean(),
  makeTestPurchases: Type.Boolean(),
  administerUsers: Type.Boolean(),
  useEmbeddedComponents: Type.Boolean(),
  manageDisputes: Type.Boolean(),
  finishOnboarding: Type.Boolean(),
  viewOverview: Type.Boolean(),
  reveal: Type.Object({
    allowed: Type.Boolean(),
    cardTypes: Type.Array(CardType),
    reasonRequired: Type.Boolean(),
    ratePerMinute: Type.Integer(),
    /** Different cards an hour whose details can be seen, reveals and component keys together (decision 062). */
    distinctCardsPerHour: Type.Integer(),
    displayTimeoutSeconds: Type.Integer(),
  }),
});

const _permissionsMatchPolicy: SameType<Plain<Static<typeof Permissions>>, Plain<PolicyPermissions>> = true;
void _permissionsMatchPolicy;
