// Every page of the client router (client/src/app/router.tsx, client/src/lib/paths.ts), as each
// demo persona opens it, for the browser suite that walks the whole app (test/e2e/every-page.test.ts:
// console silence, axe, phone width). A persona visits its own pages and the ones its role may not use (a typed
// or followed link): those must answer with a message, not a broken page or a refused request.
import type { Page } from 'playwright-core';
import type Stripe from 'stripe';
import type { Stack } from './stack.ts';

export const PERSONAS = ['admin@example.com', 'account@example.com', 'support@example.com'] as const;
export type Persona = (typeof PERSONAS)[number];

/** The seed data the pages are opened on: the account user's account, its cards and cardholder. */
export interface PageWorld {
  account: Stripe.Account;
  virtualCard: Stripe.Issuing.Card;
  physicalCard: Stripe.Issuing.Card;
  /** The virtual card's cardholder. */
  cardholder: Stripe.Issuing.Cardholder;
  /** Another connected account (the account user is not a member) and one of its cards. */
  otherAccount: Stripe.Account;
  otherCard: Stripe.Issuing.Card;
}

export async function loadPageWorld(stack: Stack): Promise<PageWorld> {
  // The account user is a member of the last-listed account (the seed's first), not of the first.
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  const account = accounts.at(-1)!;
  const otherAccount = accounts[0]!;
  const otherCard = (
    await stack.stripe.issuing.cards.list({ status: 'active', limit: 1 }, { stripeAccount: otherAccount.id })
  ).data[0]!;
  const cards = (await stack.stripe.issuing.cards.list({ status: 'active', limit: 100 }, { stripeAccount: account.id }))
    .data;
  const virtualCard = cards.find((c) => c.type === 'virtual');
  const physicalCard = cards.find((c) => c.type === 'physical');
  if (!virtualCard || !physicalCard)
    throw new Error(`seed account ${account.id} lacks an active virtual and physical card`);
  const holderId = typeof virtualCard.cardholder === 'string' ? virtualCard.cardholder : virtualCard.cardholder.id;
  const cardholder = await stack.stripe.issuing.cardholders.retrieve(holderId, {}, { stripeAccount: account.id });
  return { account, virtualCard, physicalCard, cardholder, otherAccount, otherCard };
}

export interface PageVisit {
  /** What the page is, for messages (`card`, `lookup (too broad)`). */
  name: string;
  path: string;
}

/** The pages an anonymous visitor reaches: the start page (which sends them to sign in), the sign-in page, an invitation link. */
export function anonymousPages(): PageVisit[] {
  return [
    { name: 'start (signed out)', path: '/' },
    { name: 'sign-in', path: '/login' },
    { name: 'invitation without its token', path: '/invite' },
  ];
}

/**
 * Every signed-in page for one persona: each route of the router once (the lookup twice: a query
 * too broad for a support agent and a specific one), the persona's usual pages first.
 */
export function personaPages(persona: Persona, world: PageWorld): PageVisit[] {
  const { account, virtualCard: card, physicalCard, cardholder, otherAccount, otherCard } = world;
  // Specific enough for a support agent (LOOKUP_RULES): the last four digits with part of the name.
  const specific = `${card.last4} ${cardholder.name.split(' ').at(-1)}`;
  const all: PageVisit[] = [
    { name: 'home', path: '/' },
    { name: 'overview', path: '/overview' },
    { name: 'accounts', path: '/accounts' },
    { name: 'account', path: `/accounts/${account.id}` },
    { name: 'cardholders', path: `/accounts/${account.id}/cardholders` },
    { name: 'card', path: `/accounts/${account.id}/cards/${card.id}` },
    { name: 'lookup (too broad)', path: `/lookup?q=${card.last4}` },
    { name: 'lookup', path: `/lookup?q=${encodeURIComponent(specific)}` },
    { name: 'reveal', path: `/accounts/${account.id}/cards/${card.id}/reveal` },
    { name: 'card (physical)', path: `/accounts/${account.id}/cards/${physicalCard.id}` },
    { name: 'reveal (physical)', path: `/accounts/${account.id}/cards/${physicalCard.id}/reveal` },
    { name: 'PIN', path: `/pin?card=${physicalCard.id}` },
    { name: 'audit', path: '/audit' },
    { name: 'purchase', path: '/purchase' },
    { name: 'security', path: '/security' },
    { name: 'users', path: '/users' },
    { name: 'not found', path: '/no-such-page' },
    { name: 'another account', path: `/accounts/${otherAccount.id}` },
    { name: "another account's card", path: `/accounts/${otherAccount.id}/cards/${otherCard.id}` },
  ];
  const usual: Record<Persona, string[]> = {
    'admin@example.com': ['accounts', 'account', 'cardholders', 'card', 'audit', 'purchase', 'users', 'security'],
    'account@example.com': ['account', 'cardholders', 'card', 'PIN', 'purchase', 'security'],
    'support@example.com': ['lookup (too broad)', 'lookup', 'card', 'reveal', 'security'],
  };
  const first = all.filter((p) => usual[persona].includes(p.name));
  return [...first, ...all.filter((p) => !first.includes(p))];
}

/**
 * Opens a page and waits until it has settled: its heading or alert shown, the network quiet
 * (Stripe's components loaded in their frames) and a moment for late renders.
 */
export async function openPage(page: Page, appUrl: string, visit: PageVisit): Promise<void> {
  await page.goto(`${appUrl}${visit.path}`);
  await page.getByRole('heading', { level: 1 }).or(page.getByRole('alert')).first().waitFor();
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(300);
}
