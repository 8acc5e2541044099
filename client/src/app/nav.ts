// What each role sees in the navigation and where it lands after signing in, derived from the
// policy (shared/policy.ts) and /api/me, never from role names scattered through components.
import { mayFetchComponentKeys, policyFor } from '@shared/policy.ts';
import { frozenAsLost } from '@shared/lost-cards.ts';
import type { CardSummary, MeResponse } from '@shared/api.ts';
import { paths } from '../lib/paths.ts';

export interface NavItem {
  label: string;
  href: string;
}

export function navItems(me: MeResponse): NavItem[] {
  const scope = me.accountScope;
  const items: NavItem[] = [];
  if (me.permissions.viewOverview) items.push({ label: 'Overview', href: paths.overview.href() });
  if (scope !== 'lookup' && me.permissions.viewCards) items.push({ label: 'Accounts', href: paths.accounts.href() });
  // Browsing stays with account lists; looking a card up across accounts suits the roles that
  // reach every account (for support agents it is the only way in).
  if (scope !== 'memberships' && me.permissions.viewCards)
    items.push({ label: 'Find a card', href: paths.cardLookup.href() });
  if (me.permissions.setPin) items.push({ label: 'Set a PIN', href: paths.setPin.href() });
  if (me.permissions.makeTestPurchases) items.push({ label: 'Test purchase', href: paths.purchase.href() });
  if (me.permissions.readAudit) items.push({ label: 'Audit log', href: paths.audit.href() });
  if (me.permissions.administerUsers) items.push({ label: 'Users', href: paths.users.href() });
  return items;
}

/**
 * The first page after signing in: the overview for roles that have it, unless the user reaches
 * one account only (an account_user with one account lands on its cards); lookup-only roles find
 * a card.
 */
export function homeFor(me: MeResponse): string {
  const scope = me.accountScope;
  if (scope === 'lookup') return paths.cardLookup.href();
  if (Array.isArray(me.accounts) && me.accounts.length === 1 && me.accounts[0])
    return paths.account.href(me.accounts[0]);
  return me.permissions.viewOverview ? paths.overview.href() : paths.accounts.href();
}

export function roleLabel(me: MeResponse): string {
  return policyFor(me.user.role).label;
}

/** What the embedded Issuing components may offer this user. */
export function issuingUi(me: MeResponse) {
  const { permissions } = me;
  const scope = me.accountScope;
  return {
    showSpendControls: permissions.editSpendingControls,
    // The card dropdown lists the account's other cards: browsing, which lookup-only roles lack.
    cardSwitching: scope !== 'lookup',
    // Connect's components ask for a key without a reason; roles that must give one use the
    // separate reveal view instead.
    canRevealInComponents: mayFetchComponentKeys(me.user.role),
  };
}

/**
 * Links from a card's page to what the embedded component does not offer this role: the reveal
 * view for roles that must give a reason (Connect's "Show numbers" asks for a key without one),
 * and the PIN page for roles that set PINs. A canceled card keeps neither its details nor a PIN,
 * nor does a card frozen as reported lost (it waits to be canceled and replaced: decision 164).
 */
export function cardLinks(
  me: MeResponse,
  card: Pick<CardSummary, 'id' | 'account' | 'type' | 'status' | 'lost_reported_at'>,
): NavItem[] {
  if (card.status === 'canceled' || frozenAsLost(card)) return [];
  const { reveal, setPin } = me.permissions;
  const links: NavItem[] = [];
  if (reveal.allowed && reveal.reasonRequired && (reveal.cardTypes as readonly string[]).includes(card.type)) {
    links.push({ label: 'Reveal card details', href: paths.cardReveal.href(card.account, card.id) });
  }
  if (setPin) links.push({ label: 'Set PIN', href: paths.setPin.href(card.id) });
  return links;
}
