// Hosted onboarding (docs/decisions/157-hosted-onboarding.md): Stripe's Account Links for a
// connected account whose card_issuing is not active, and the account read again when its user
// comes back.
//
// What Stripe says (https://docs.stripe.com/api/account_links/create, /connect/marketplace/tasks/onboard):
// - a link is "a single-use Stripe URL" that expires in minutes; the platform sends the user to it
//   at once and never keeps it (it grants access to the account's onboarding);
// - `refresh_url` is where Stripe sends the user when the link "is expired, has been
//   previously-visited, or is otherwise invalid": it "should attempt to generate a new account link
//   with the same parameters … then redirect the user to the new account link's URL", after
//   authenticating the user ("in case this URL is leaked to a third party");
// - `return_url` is reached "upon leaving or completing the linked flow": it does not mean
//   onboarding is complete, so the account is read again from Stripe (not the mirror, which hears
//   of the change only through its webhook).
//
// Both URLs are the account's page in the dashboard (the client then asks for a new link, or reads
// the account again, with the user's session). They are pages, not server routes, because the
// session cookie is SameSite=Strict: a navigation coming from connect.stripe.com carries none, but
// the page's own requests do.
import type Stripe from 'stripe';
import type { IssuingReadiness, OnboardingLinkResponse } from '../../shared/api.ts';
import type { Config } from '../config.ts';
import { HttpError, notFound } from '../errors.ts';
import { issuingReadiness, retrieveAccount, type AccountDeps } from './accounts.ts';

/** Where Stripe's hosted onboarding lives: the origin of its links (Stripe's example: https://connect.stripe.com/setup/c/acct_…/…). */
export const STRIPE_ONBOARDING_ORIGIN = 'https://connect.stripe.com';

/** The only origin the browser may be sent to with a link: Stripe's, or the emulator's public URL offline. */
export function onboardingOrigin(config: Pick<Config, 'emulator'>): string {
  return config.emulator ? new URL(config.emulator.publicUrl).origin : STRIPE_ONBOARDING_ORIGIN;
}

/** The account's page in the dashboard at `origin`, saying why the user is back (`return` or `refresh`). */
export function accountPageUrl(origin: string, account: string, outcome: 'return' | 'refresh'): string {
  return `${origin.replace(/\/$/, '')}/accounts/${encodeURIComponent(account)}?onboarding=${outcome}`;
}

/** The account as Stripe has it now, mirrored on the way (the accounts page reads the mirror). */
async function freshAccount(deps: AccountDeps, accountId: string): Promise<Stripe.Account> {
  const account = await retrieveAccount(deps, accountId);
  if (!account) throw notFound('No such connected account.', 'account_not_found');
  return account;
}

/** The account's card_issuing, read from Stripe: what a user coming back from onboarding sees. */
export async function onboardingStatus(
  deps: AccountDeps,
  accountId: string,
): Promise<{ card_issuing: IssuingReadiness }> {
  return { card_issuing: issuingReadiness(await freshAccount(deps, accountId)) };
}

/**
 * A new Account Link for an account whose card_issuing is not active (409 `card_issuing_active`
 * otherwise: there is nothing to finish). `appOrigin` is the dashboard's origin the user is on, where
 * Stripe sends them back. Stripe's refusals are mapped by the error handler (stripe-errors.ts);
 * a link to any origin but Stripe's onboarding one is never handed to the browser (502).
 */
export async function createOnboardingLink(
  deps: AccountDeps & { config: Pick<Config, 'emulator'> },
  accountId: string,
  appOrigin: string,
): Promise<OnboardingLinkResponse> {
  const account = await freshAccount(deps, accountId);
  if (issuingReadiness(account).status === 'active') {
    throw new HttpError(
      409,
      'card_issuing_active',
      'Stripe has already activated card issuing for this account: there is no onboarding left to finish.',
      'account',
    );
  }
  const link = await deps.stripe.accountLinks.create({
    account: accountId,
    type: 'account_onboarding',
    refresh_url: accountPageUrl(appOrigin, accountId, 'refresh'),
    return_url: accountPageUrl(appOrigin, accountId, 'return'),
  });
  let origin: string | undefined;
  try {
    origin = new URL(link.url).origin;
  } catch {
    origin = undefined;
  }
  if (origin !== onboardingOrigin(deps.config)) {
    throw new HttpError(
      502,
      'stripe_unexpected_answer',
      'Stripe answered with an onboarding address the dashboard does not trust, so it was not opened. Try again in a moment.',
    );
  }
  return { url: link.url, expires_at: link.expires_at };
}
